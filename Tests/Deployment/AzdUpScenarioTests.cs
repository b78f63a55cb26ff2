using System.Text.Json.Nodes;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// <c>azd up</c> on the subscriptions and tenants people really have: brand new (nothing registered, no quota), on
/// free credits, behind Docker Hub's rate limit, with several subscriptions and tenants, where users may not consent,
/// run by a CI principal without Graph rights, and after the cluster autoscaler moved a pool. Each plays the real hooks
/// through the fake azd against a world that differs from <see cref="FakeWorld.Ready"/> in one way.
/// </summary>
[Collection(AzdUpCollection.Name)]
public sealed class AzdUpScenarioTests(AzdUpSimulation up)
{
    /// <summary>A provision of a ready subscription in which one tool misbehaves (Tests/Deployment/Fakes/fake-cli.mjs, state.faults).</summary>
    private Task<(FakeAzure Azure, HookRun Provision)> ProvisionWithFaultAsync(JsonObject fault) =>
        ProvisionAsync(FakeWorld.Ready, up.Template, extraState: s => s["faults"] = new JsonArray(fault));

    private static async Task<(FakeAzure Azure, HookRun Provision)> ProvisionAsync(FakeWorld world, JsonNode template, IReadOnlyDictionary<string, string>? extra = null, Action<JsonNode>? extraState = null)
    {
        var environment = new Dictionary<string, string>(AzdUpRun.UserEnvironment, StringComparer.Ordinal);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var azure = new FakeAzure(world, environment);
        if (extraState is not null)
        {
            azure.Update(extraState);
        }

        azure.WriteProvision(AzdProvision.Plan(template));
        return (azure, await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt"));
    }

    [Fact]
    public async Task BrandNewSubscription_StopsBeforeAnythingIsCreated_WithOneMessageListingEveryGap()
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.BrandNew, up.Template);
        using var _ = azure;
        var preprovision = provision.Hook("preprovision");

        Assert.Equal(1, preprovision.ExitCode);
        Assert.NotEqual(0, provision.ExitCode);
        Assert.Contains("cannot hold this deployment yet", preprovision.Output, StringComparison.Ordinal);
        foreach (var provider in new[] { "Microsoft.ContainerService", "Microsoft.Monitor", "Microsoft.AlertsManagement" })
        {
            Assert.Contains($"`az provider register --namespace {provider} --wait`", preprovision.Output, StringComparison.Ordinal);
        }

        // Nothing the template deploys needs Microsoft.OperationsManagement (Container Insights goes through a data
        // collection rule), and Cosmos DB and Defender are off: their providers are no gap.
        foreach (var provider in new[] { "Microsoft.OperationsManagement", "Microsoft.DocumentDB", "Microsoft.Security" })
        {
            Assert.DoesNotContain($"--namespace {provider}", preprovision.Output, StringComparison.Ordinal);
        }

        // Every pool at its maximum plus its upgrade surge: system 3+1, cpu 6+1 (D4ds_v5, 4 vCPUs), gpu 3+1 (NC4as_T4_v3, 4).
        Assert.Contains("Quota 'standardDDSv5Family' in westeurope: 44 more vCPUs needed", preprovision.Output, StringComparison.Ordinal);
        Assert.Contains("Quota 'standardNCASv3_T4Family' in westeurope: 16 more vCPUs needed", preprovision.Output, StringComparison.Ordinal);
        Assert.Contains("Quota 'cores' in westeurope: 60 more vCPUs needed", preprovision.Output, StringComparison.Ordinal);
        Assert.Contains("az quota update --resource-name standardNCASv3_T4Family", preprovision.Output, StringComparison.Ordinal);
        // Stopped before Graph or the environment were touched, and before any provisioning.
        Assert.DoesNotContain(preprovision.Calls, c => c.IsGraph || c.Is("azd env set"));
        Assert.Null(provision.Hook("postprovision").Lines.FirstOrDefault());
    }

    [Fact]
    public async Task Region_WithoutZonesForTheSystemPool_OrWithoutTheGpuSize_IsAGap()
    {
        var world = FakeWorld.Ready with
        {
            VmSizes =
            [
                new("Standard_D4ds_v5", "standardDDSv5Family", 4, ["1"]),
                new("Standard_NC4as_T4_v3", "standardNCASv3_T4Family", 4, [], Restricted: true),
            ],
        };

        var (azure, provision) = await ProvisionAsync(world, up.Template);
        using var _ = azure;
        var output = provision.Hook("preprovision").Output;

        Assert.Contains("not in zone(s) 2, 3", output, StringComparison.Ordinal);
        Assert.Contains("zone-redundant (ZRS) storage", output, StringComparison.Ordinal);
        Assert.Contains("Standard_NC4as_T4_v3 is not offered to this subscription in westeurope", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpotGpuPool_CountsAgainstTheLowPriorityQuota_NotTheFamilys()
    {
        var world = FakeWorld.Ready with
        {
            Quota = new Dictionary<string, int> { ["cores"] = 100, ["standardDDSv5Family"] = 100, ["standardNCASv3_T4Family"] = 0, ["lowPriorityCores"] = 8 },
        };

        var (azure, provision) = await ProvisionAsync(world, up.Template, new Dictionary<string, string> { ["AKS_GPU_SPOT"] = "true" });
        using var _ = azure;
        var output = provision.Hook("preprovision").Output;

        Assert.Contains("Quota 'lowPriorityCores' in westeurope: 16 more vCPUs needed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("standardNCASv3_T4Family", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzInAnotherTenant_ThanTheEnvironment_StopsBeforeCreatingAnything()
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.Ready, up.Template, new Dictionary<string, string> { ["AZURE_TENANT_ID"] = FakeWorld.OtherTenant });
        using var _ = azure;
        var preprovision = provision.Hook("preprovision");

        Assert.Equal(1, preprovision.ExitCode);
        Assert.Contains($"`az login --tenant {FakeWorld.OtherTenant}`", preprovision.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(preprovision.Calls, c => c.IsGraph);
    }

    [Fact]
    public async Task AzSignedInWhereItCannotSeeAzdsSubscription_SaysHowToSignIn()
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.Ready with { SelectedSubscription = FakeWorld.OtherSubscription }, up.Template);
        using var _ = azure;
        azure.Update(s => s["account"]!["visible"] = new JsonArray(FakeWorld.OtherSubscription));

        var preprovision = await azure.RunHookAsync("preprovision", HookShell.Sh, AzdUpRun.Timeout);

        Assert.Equal(1, preprovision.ExitCode);
        Assert.Contains("The Azure CLI cannot use subscription", preprovision.Output, StringComparison.Ordinal);
        Assert.Contains("az login --tenant", preprovision.Output, StringComparison.Ordinal);
        Assert.Equal(0, provision.ExitCode);
    }

    [Fact]
    public async Task FreeTrial_WithoutDocker_IsAGap_WithDocker_TheModelImagesAreBuiltLocally()
    {
        var (withoutDocker, refused) = await ProvisionAsync(FakeWorld.Ready with { QuotaId = "FreeTrial_2014-09-01" }, up.Template);
        using var _ = withoutDocker;
        var (withDocker, built) = await ProvisionAsync(FakeWorld.Ready with { QuotaId = "FreeTrial_2014-09-01", DockerEngine = true }, up.Template);
        using var __ = withDocker;
        var postprovision = built.Hook("postprovision");

        Assert.Contains("may not run ACR Tasks", refused.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.Contains("Start Docker", refused.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.Equal(0, built.ExitCode);
        Assert.Equal("docker", withDocker.Environment()["MODEL_IMAGE_BUILDER"]);
        Assert.DoesNotContain(postprovision.Calls, c => c.Is("az acr build"));
        // One model image per model of the catalogue.
        Assert.Equal(Tests.Infrastructure.Catalogue.All.Count, postprovision.Calls.Count(c => c.Is("docker push") && c.Args[1].Contains("/ollama-models/", StringComparison.Ordinal)));
        Assert.True(postprovision.Calls.ToList().FindIndex(c => c.Is("az acr login")) < postprovision.Calls.ToList().FindIndex(c => c.Is("docker push")));
    }

    [Fact]
    public async Task DockerHubRateLimit_WithoutAnyPath_StopsWithTheFix_WithAnAccount_Imports_WithDocker_Copies()
    {
        var limited = FakeWorld.Ready with { DockerHubAnonymousPulls = 0 };
        var (noPath, stopped) = await ProvisionAsync(limited, up.Template);
        using var _ = noPath;
        var (account, withAccount) = await ProvisionAsync(limited, up.Template, new Dictionary<string, string> { ["DOCKERHUB_USERNAME"] = "llmchat-ci", ["DOCKERHUB_TOKEN"] = "dckr_pat_x" });
        using var __ = account;
        var (docker, withDocker) = await ProvisionAsync(limited with { DockerEngine = true }, up.Template);
        using var ___ = docker;

        Assert.Contains("azd env set DOCKERHUB_USERNAME", stopped.Hook("postprovision").Output, StringComparison.Ordinal);
        Assert.Contains("Docker Hub images are imported anonymously", stopped.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.Equal(0, withAccount.ExitCode);
        var dockerHubImports = withAccount.Hook("postprovision").Calls.Where(c => c.Is("az acr import") && c.Option("--source")!.StartsWith("docker.io/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(dockerHubImports);
        Assert.All(dockerHubImports, c => Assert.Equal("llmchat-ci", c.Option("--username")));
        // The token reaches az on its standard input (A16): never in a process's arguments, nor in any output.
        Assert.All(dockerHubImports, c => Assert.Equal("@-", c.Option("--password")));
        Assert.DoesNotContain(withAccount.Calls, c => c.Args.Any(a => a.Contains("dckr_pat_x", StringComparison.Ordinal)));
        Assert.DoesNotContain("dckr_pat_x", withAccount.Output + withAccount.Hook("postprovision").Output, StringComparison.Ordinal);
        Assert.Equal(0, withDocker.ExitCode);
        Assert.Contains(withDocker.Hook("postprovision").Calls, c => c.Is("docker pull") && c.Args[1] == "docker.io/ollama/ollama:0.17.1");
    }

    [Fact]
    public async Task TenantWithoutUserConsent_WarnsWithTheAdminsCommand_UntilAnAdminGrantsIt()
    {
        var (azure, first) = await ProvisionAsync(FakeWorld.Ready with { UserConsent = false }, up.Template);
        using var _ = azure;
        var web = azure.Environment()["ENTRA_WEB_CLIENT_ID"];
        azure.Update(s => s["account"]!["principal"]!["admin"] = true);
        var grant = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "az", "ad", "app", "permission", "admin-consent", "--id", web);
        var second = await azure.RunHookAsync("preprovision", HookShell.Sh, AzdUpRun.Timeout);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("does not let users consent", first.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.Contains($"az ad app permission admin-consent --id {web}", first.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.Equal(0, grant.ExitCode);
        Assert.Contains("granted for the whole tenant", second.Output, StringComparison.Ordinal);
        Assert.Equal("granted", azure.Environment()["ENTRA_WEB_CONSENT"]);
    }

    [Fact]
    public async Task CiPrincipalWithoutGraphRights_AfterTheBootstrap_ProvisionsWithoutAnyGraphCall_ButANewClusterNeedsAnAdmin()
    {
        var (azure, bootstrap) = await ProvisionAsync(FakeWorld.Ready, up.Template);
        using var _ = azure;
        azure.Update(s => s["account"]!["principal"] = new JsonObject { ["objectId"] = "c1c1c1c1-0000-4000-8000-00000000000c", ["type"] = "ServicePrincipal", ["graph"] = "none" });

        var ci = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt");
        // The cluster was recreated (azd down, then up): its OIDC issuer changed, and the web's credential must follow.
        var provision = azure.ReadProvision();
        provision["outputs"]!["AZURE_AKS_OIDC_ISSUER_URL"] = "https://westeurope.oic.prod-aks.azure.com/new-cluster/";
        azure.WriteProvision(provision);
        var newCluster = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt");

        Assert.Equal(0, bootstrap.ExitCode);
        Assert.True(ci.ExitCode == 0, ci.ToString());
        Assert.DoesNotContain(ci.Calls, c => c.IsGraph);
        Assert.NotEqual(0, newCluster.ExitCode);
        Assert.Contains("must run `azd provision` once for this environment", newCluster.Hook("postprovision").Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondProvision_AfterTheAutoscalerScaledTheGpuPoolOut_KeepsItsNodes()
    {
        var (azure, first) = await ProvisionAsync(FakeWorld.Ready, up.Template);
        using var _ = azure;
        JsonNode Gpu(JsonNode state) => state["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]!.AsObject().Select(g => g.Value!["clusters"]?.AsObject().Single().Value).First(c => c is not null)!["pools"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "gpu")!;
        var created = Gpu(azure.State)["count"]!.GetValue<int>();
        azure.Update(s => Gpu(s)["count"] = 3);

        var second = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(1, created);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains(second.Hook("preprovision").Calls, c => c.Is("azd env set AKS_GPU_CURRENT_COUNT 3"));
        Assert.Equal(3, Gpu(azure.State)["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task ToolAnsweringWhatTheHookCannotRead_StopsIt_WithOneLineNamingTheStep_AndNoStackTrace()
    {
        var (azure, provision) = await ProvisionWithFaultAsync(new JsonObject { ["call"] = "az vm list-skus", ["output"] = "<html><body><h1>503 Service Unavailable</h1></body></html>\n" });
        using var _ = azure;
        var preprovision = provision.Hook("preprovision");
        var lines = preprovision.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(1, preprovision.ExitCode);
        var stop = Assert.Single(lines, l => l.Contains("stopped at", StringComparison.Ordinal));
        Assert.StartsWith("preprovision stopped at 'the subscription's capacity': unexpected Json", stop, StringComparison.Ordinal);
        Assert.Contains("Run `azd provision` again", stop, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", preprovision.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(preprovision.Calls, c => c.IsGraph);
    }

    [Fact]
    public async Task GeneratedSecret_ThatAzdFailsToStore_IsNeverPrinted()
    {
        var (azure, provision) = await ProvisionWithFaultAsync(new JsonObject { ["call"] = "azd env set SAFETY_CANARY", ["error"] = "ERROR: saving environment: write .azure/llmchat-test/.env: no space left on device" });
        using var _ = azure;
        var preprovision = provision.Hook("preprovision");
        var attempt = Assert.Single(preprovision.Calls, c => c.Is("azd env set SAFETY_CANARY"));

        Assert.Equal(1, preprovision.ExitCode);
        Assert.Contains("`azd env set SAFETY_CANARY ***` failed", preprovision.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(attempt.Args[3], preprovision.Output + provision.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateIssuanceFailing_StopsWithKeyVaultsReason_GrantsNothing_AndTheNextRunIssuesItAgain()
    {
        var (azure, failed) = await ProvisionAsync(FakeWorld.Ready, up.Template, extraState: s => s["keyVaultIssuance"] = new JsonObject { ["seconds"] = 40, ["outcome"] = "failed" });
        using var _ = azure;
        var postprovision = failed.Hook("postprovision");
        var afterFailure = azure.Environment();
        azure.Update(s => s["keyVaultIssuance"] = new JsonObject { ["seconds"] = 40, ["outcome"] = "completed" });

        var again = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt");

        Assert.Equal(1, postprovision.ExitCode);
        Assert.Contains("did not issue the self-signed certificate web-tls", postprovision.Output, StringComparison.Ordinal);
        Assert.Contains("KeyVaultCertificateIssuanceFailed", postprovision.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(postprovision.Calls, c => c.Is("az role assignment create"));
        Assert.False(afterFailure.ContainsKey("WEB_TLS_CERTIFICATE_URI"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(again.Hook("postprovision").Calls, c => c.Is("az keyvault certificate create"));
        Assert.EndsWith("/certificates/web-tls", azure.Environment()["WEB_TLS_CERTIFICATE_URI"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("USE_COSMOS_TABLE", "Microsoft.DocumentDB")]
    [InlineData("DEFENDER_FOR_CONTAINERS", "Microsoft.Security")]
    public async Task ProviderOfAnOptionalFeature_IsAGapOnlyWhenTheFeatureIsOn(string feature, string provider)
    {
        var world = FakeWorld.Ready with { UnregisteredProviders = [provider] };
        var (off, withoutFeature) = await ProvisionAsync(world, up.Template);
        using var _ = off;
        var (on, withFeature) = await ProvisionAsync(world, up.Template, new Dictionary<string, string> { [feature] = "true" });
        using var __ = on;

        Assert.Equal(0, withoutFeature.Hook("preprovision").ExitCode);
        Assert.Equal(1, withFeature.Hook("preprovision").ExitCode);
        Assert.Contains($"`az provider register --namespace {provider} --wait` (needed because {feature} is true)", withFeature.Hook("preprovision").Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssignmentNotRequired_LetsEveryAccountSignIn_AndSayingSoLater_RequiresItAgain()
    {
        var (azure, open) = await ProvisionAsync(FakeWorld.Ready, up.Template, new Dictionary<string, string> { ["ENTRA_ASSIGNMENT_REQUIRED"] = "false" });
        using var _ = azure;
        bool Required() => azure.State["tenants"]![FakeWorld.Tenant]!["servicePrincipals"]![azure.Environment()["ENTRA_WEB_CLIENT_ID"]]!["appRoleAssignmentRequired"]!.GetValue<bool>();
        var allowedEveryone = Required();
        azure.Update(s => s["azd"]!["environments"]!["llmchat-test"]!["ENTRA_ASSIGNMENT_REQUIRED"] = "true");

        var again = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt");

        Assert.Equal(0, open.ExitCode);
        Assert.Contains("Every account of the tenant may sign in (ENTRA_ASSIGNMENT_REQUIRED is false)", open.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.False(allowedEveryone);
        Assert.Equal(0, again.ExitCode);
        Assert.True(Required());
    }

    [Theory]
    [InlineData("ENTRA_ASSIGNMENT_REQUIRED", "yes", "use true or false")]
    [InlineData("WEB_HOSTNAME", "https://chat.contoso.com", "is not a DNS host name")]
    [InlineData("WEB_HOSTNAME", "10.1.2.3", "is not a DNS host name")]
    [InlineData("AKS_GPU_MAX_COUNT", "three", "use a whole number")]
    [InlineData("AKS_GPU_MIN_COUNT", "4", "0 <= min <= max")]
    [InlineData("AKS_GPU_SPOT", "yes", "use true or false")]
    public async Task BadSettings_StopTheHook_WithAClearMessage(string name, string value, string message)
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.Ready, up.Template, new Dictionary<string, string> { [name] = value });
        using var _ = azure;

        Assert.Equal(1, provision.Hook("preprovision").ExitCode);
        Assert.Contains(message, provision.Hook("preprovision").Output, StringComparison.Ordinal);
        Assert.DoesNotContain(provision.Calls, c => c.IsGraph);
    }

    [Fact]
    public async Task VersionedCertificateUri_StopsThePostprovisionHook()
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.Ready, up.Template, new Dictionary<string, string> { ["WEB_TLS_CERTIFICATE_URI"] = "https://kv-x7k2p9.vault.azure.net/certificates/web-tls/0123456789abcdef" });
        using var _ = azure;

        Assert.Equal(1, provision.Hook("postprovision").ExitCode);
        Assert.Contains("is not a versionless Key Vault certificate URI", provision.Hook("postprovision").Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 30, finding 15: with STORES_NETWORK_ACCESS restricted the vault's firewall admits only the listed
    /// addresses (rule A18). A machine outside them is stopped at the certificate with what to set; listed, it goes
    /// through; the next run, with the address added, issues the certificate.
    /// </summary>
    [Fact]
    public async Task RestrictedStores_StopAMachineOutsideTheirRanges_AtTheCertificate_SayingWhatToSet()
    {
        var restricted = new Dictionary<string, string> { ["STORES_NETWORK_ACCESS"] = "restricted", ["STORES_ALLOWED_IP_RANGES"] = "203.0.113.0/24" };
        var (azure, refused) = await ProvisionAsync(FakeWorld.Ready, up.Template, restricted);
        using var _ = azure;
        var postprovision = refused.Hook("postprovision");
        var create = Assert.Single(postprovision.Calls, c => c.Is("az keyvault certificate create"));
        var afterRefusal = azure.Environment();
        azure.SetEnvironment(new Dictionary<string, string>(afterRefusal) { ["STORES_ALLOWED_IP_RANGES"] = "203.0.113.0/24, 198.51.100.23" });

        var again = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "provision", "--no-prompt");

        Assert.Equal(1, postprovision.ExitCode);
        Assert.Equal(1, create.ExitCode);
        Assert.Contains("refused this machine (198.51.100.23, ForbiddenByFirewall)", postprovision.Output, StringComparison.Ordinal);
        Assert.Contains("azd env set STORES_ALLOWED_IP_RANGES <ranges>,198.51.100.23", postprovision.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(postprovision.Calls, c => c.Is("az role assignment create"));
        Assert.False(afterRefusal.ContainsKey("WEB_TLS_CERTIFICATE_URI"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.EndsWith("/certificates/web-tls", azure.Environment()["WEB_TLS_CERTIFICATE_URI"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicStores_AdmitTheSameMachine_WhateverTheRanges()
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.Ready, up.Template, new Dictionary<string, string> { ["STORES_ALLOWED_IP_RANGES"] = "203.0.113.0/24" });
        using var _ = azure;

        Assert.True(provision.ExitCode == 0, provision.ToString());
        Assert.Contains(provision.Hook("postprovision").Calls, c => c.Is("az keyvault certificate create") && c.ExitCode == 0);
    }

    [Theory]
    [InlineData("restricted", "", "STORES_ALLOWED_IP_RANGES is empty: Key Vault would refuse this machine")]
    [InlineData("restricted", "10.1.0.0/16, 198.51.100.22/31, 192.168.1.7", "10.1.0.0/16: not a public address")]
    [InlineData("restricted", "198.51.100.22/31", "198.51.100.22/31: a storage account refuses /31 ranges")]
    [InlineData("restricted", "chat.example.com", "chat.example.com: not an IPv4 address or CIDR range")]
    [InlineData("private", "198.51.100.23", "STORES_NETWORK_ACCESS 'private' is neither public (the default) nor restricted")]
    public async Task StoresNetworkSettings_TheStoresWouldRefuse_StopBeforeAnythingIsCreated(string access, string ranges, string message)
    {
        var (azure, provision) = await ProvisionAsync(FakeWorld.Ready, up.Template, new Dictionary<string, string> { ["STORES_NETWORK_ACCESS"] = access, ["STORES_ALLOWED_IP_RANGES"] = ranges });
        using var _ = azure;
        var preprovision = provision.Hook("preprovision");

        Assert.Equal(1, preprovision.ExitCode);
        Assert.Contains(message, preprovision.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(preprovision.Calls, c => c.IsGraph || c.Is("azd env set"));
        Assert.Null(provision.Hook("postprovision").Lines.FirstOrDefault());
    }
}
