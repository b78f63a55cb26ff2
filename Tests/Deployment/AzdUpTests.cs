using System.Text.Json.Nodes;
using k8s.Models;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// <c>azd up</c> as the tools would play it: the fake azd runs the real hooks from azure.yaml (in sh, and in
/// PowerShell for the Windows form) against recording fakes of az, azd, kubectl, kubelogin and docker that enforce the
/// services' rules; provision returns the compiled template's outputs and resources; deploy follows azd's own rules for
/// AKS services. The tests read what reached the fake Azure and cluster.
/// </summary>
[Collection(AzdUpCollection.Name)]
public sealed class AzdUpTests(AzdUpSimulation up)
{
    public static TheoryData<HookShell> Shells() => [HookShell.Sh, HookShell.Pwsh];

    private static JsonNode Tenant(AzdUpRun run) => run.Azure["tenants"]![FakeWorld.Tenant]!;

    private static JsonNode App(AzdUpRun run, string variable) =>
        Tenant(run)["apps"]!.AsObject().Single(a => a.Value!["appId"]!.GetValue<string>() == run.Environment[variable]).Value!;

    [Theory]
    [MemberData(nameof(Shells))]
    public void Hooks_Succeed_CallingOnlyWhatTheFakesModel(HookShell shell)
    {
        var run = up.In(shell);

        Assert.True(run.Provision.ExitCode == 0, run.Provision.ToString());
        Assert.True(run.Preprovision.ExitCode == 0, run.Preprovision.ToString());
        Assert.True(run.Postprovision.ExitCode == 0, run.Postprovision.ToString());
        Assert.True(run.Deploy.ExitCode == 0, run.Deploy.ToString());
        Assert.All(run.Provision.Calls.Concat(run.SecondProvision.Calls), c => Assert.NotEqual(2, c.ExitCode));
    }

    [Fact]
    public void Hooks_MakeTheSameCalls_InBothShells()
    {
        Assert.Equal(up.Sh.Preprovision.Calls.Select(c => c.Normalized(Random(up.Sh))), up.Pwsh.Preprovision.Calls.Select(c => c.Normalized(Random(up.Pwsh))));
        Assert.Equal(up.Sh.Postprovision.Calls.Select(c => c.Normalized(Random(up.Sh))), up.Pwsh.Postprovision.Calls.Select(c => c.Normalized(Random(up.Pwsh))));
        Assert.Equal(up.Sh.SecondProvision.Calls.Select(c => c.Normalized(Random(up.Sh))), up.Pwsh.SecondProvision.Calls.Select(c => c.Normalized(Random(up.Pwsh))));

        // What each run generated at random: the secret, and the API scope's id.
        static Dictionary<string, string> Random(AzdUpRun run) => new()
        {
            [run.Environment["SAFETY_CANARY"]] = "<canary>",
            [run.Environment["CACHE_PASSWORD"]] = "<cache-password>",
            [run.Environment["ENTRA_API_SCOPE_ID"]] = "<scope-id>",
            [RoleId(run, "Admin")] = "<admin-role-id>",
            [RoleId(run, "Auditor")] = "<auditor-role-id>",
        };

        static string RoleId(AzdUpRun run, string value) =>
            App(run, "ENTRA_API_CLIENT_ID")["appRoles"]!.AsArray().Single(r => r!["value"]!.GetValue<string>() == value)!["id"]!.GetValue<string>();
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Hooks_PassNoJsonAsAnArgument_BecauseAzCmdStripsQuotes(HookShell shell)
    {
        var run = up.In(shell);

        Assert.Empty(HookRules.QuotedArguments(run.Provision.Calls));
        Assert.Contains(run.Postprovision.Calls, c => c.Is("az ad app federated-credential create") && c.Files.Count == 1);
    }

    [Fact]
    public void HookRules_QuotedArguments_FindJsonOnTheCommandLine()
    {
        var call = new HookCall("az", ["ad", "app", "federated-credential", "create", "--parameters", "{\"name\":\"x\"}"], new Dictionary<int, string>(), 0);

        Assert.Single(HookRules.QuotedArguments([call]));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Hooks_SelectAzdsSubscription_BeforeAnyOtherAzCall(HookShell shell)
    {
        var run = up.In(shell);

        foreach (var hook in new[] { run.Preprovision, run.Postprovision })
        {
            var first = hook.Calls.First(c => c.Tool == "az");
            Assert.Equal($"account set --subscription {FakeWorld.Subscription}", string.Join(' ', first.Args));
        }

        // The world's az had selected another subscription in another tenant: nothing may land there.
        Assert.Empty(run.Azure["tenants"]![FakeWorld.OtherTenant]!["apps"]?.AsObject() ?? []);
        Assert.Empty(run.Azure["subscriptions"]![FakeWorld.OtherSubscription]!["resourceGroups"]!.AsObject());
        Assert.Equal(2, Tenant(run)["apps"]!.AsObject().Count);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_GeneratesTheSecretsOnce_SoProvisionHasEveryParameter(HookShell shell)
    {
        var run = up.In(shell);

        Assert.Empty(run.MissingParameters);
        foreach (var name in new[] { "SAFETY_CANARY", "CACHE_PASSWORD" })
        {
            var value = run.Environment[name];
            Assert.Matches("^[0-9a-f]{48}$", value);
            Assert.Equal(value, run.EnvironmentAfterSecondRun[name]);
        }

        Assert.NotEqual(run.Environment["SAFETY_CANARY"], run.Environment["CACHE_PASSWORD"]);
    }

    [Fact]
    public void AzdProvision_MissingParameters_NamesAnUnsetValue()
    {
        var missing = AzdProvision.MissingParameters("""{"a":{"value":"${SAFETY_CANARY}"},"b":{"value":"${X=default}"}}""", new Dictionary<string, string>());

        Assert.Equal(["SAFETY_CANARY"], missing);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_PreAuthorizesTheWebForTheApiScope_AfterStoringTheScope(HookShell shell)
    {
        var run = up.In(shell);
        var api = App(run, "ENTRA_API_CLIENT_ID");
        var scope = api["api"]!["oauth2PermissionScopes"]!.AsArray().Single(s => s!["value"]!.GetValue<string>() == "chat")!;
        var preAuthorized = api["api"]!["preAuthorizedApplications"]!.AsArray().Single()!;
        var patches = run.Preprovision.Calls.Where(c => c.Is("az rest") && c.Option("--method") == "PATCH").Select(c => JsonNode.Parse(c.Files.Values.Single())!).Where(p => p["api"] is not null).ToList();

        Assert.Equal([$"api://{run.Environment["ENTRA_API_CLIENT_ID"]}"], api["identifierUris"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(run.Environment["ENTRA_WEB_CLIENT_ID"], preAuthorized["appId"]!.GetValue<string>());
        Assert.Equal([scope["id"]!.GetValue<string>()], preAuthorized["delegatedPermissionIds"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(2, api["api"]!["requestedAccessTokenVersion"]!.GetValue<int>());
        // Graph checks pre-authorizations against the scopes already stored: the scope goes in a request of its own, first.
        Assert.Equal(2, patches.Count);
        Assert.Null(patches[0]["api"]!["preAuthorizedApplications"]);
        Assert.NotNull(patches[1]["api"]!["preAuthorizedApplications"]);
        Assert.Equal(run.Environment["ENTRA_API_SCOPE_ID"], scope["id"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_AsksForAuthTimeInTheWebsIdTokens(HookShell shell)
    {
        var run = up.In(shell);
        var web = App(run, "ENTRA_WEB_CLIENT_ID");

        // The API allows a new key only after a recent sign-in, which it reads from the ID token's auth_time.
        Assert.Equal(["auth_time"], web["optionalClaims"]!["idToken"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("auth_time", run.Environment["ENTRA_WEB_OPTIONAL_CLAIMS"]);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_AsksForTheApisGroupsInItsTokens_AndAssignmentToSignIn_Once(HookShell shell)
    {
        var run = up.In(shell);
        var tenant = run.Azure["tenants"]![FakeWorld.Tenant]!;
        var web = tenant["servicePrincipals"]![run.Environment["ENTRA_WEB_CLIENT_ID"]]!;

        // Without groupMembershipClaims Entra sends no groups claim, and no group budget or group-only model binds anyone.
        Assert.Equal("ApplicationGroup", App(run, "ENTRA_API_CLIENT_ID")["groupMembershipClaims"]!.GetValue<string>());
        // Only the users and groups assigned to the web may sign in: not every account of the tenant, guests included.
        Assert.True(web["appRoleAssignmentRequired"]!.GetValue<bool>());
        Assert.Equal(("ApplicationGroup", "true"), (run.Environment["ENTRA_API_GROUP_CLAIMS"], run.Environment["ENTRA_WEB_ASSIGNMENT_REQUIRED"]));
        Assert.DoesNotContain(run.SecondProvision.Calls, c => c.Is("az rest") && c.Files.Values.Any(f => f.Contains("groupMembershipClaims", StringComparison.Ordinal) || f.Contains("appRoleAssignmentRequired", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_DeclaresTheApisAppRoles_ForUsers_OnceAndKeepsThem(HookShell shell)
    {
        var run = up.In(shell);
        var roles = App(run, "ENTRA_API_CLIENT_ID")["appRoles"]!.AsArray();
        var declared = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "hooks", "Entra", "api-app-roles.json")))!.AsArray();

        // The roles the API's admin routes ask for (Api/Auth/AdminRoles.cs), assignable to users and groups.
        Assert.Equal([Api.Auth.AdminRoles.Admin, Api.Auth.AdminRoles.Auditor], roles.Select(r => r!["value"]!.GetValue<string>()));
        Assert.Equal(declared.Select(r => r!["value"]!.GetValue<string>()), roles.Select(r => r!["value"]!.GetValue<string>()));
        Assert.All(roles, r => Assert.Equal(["User"], r!["allowedMemberTypes"]!.AsArray().Select(t => t!.GetValue<string>())));
        Assert.Equal("Admin,Auditor", run.Environment["ENTRA_API_APP_ROLES"]);
        // The second provision finds the marker: no second PATCH, the roles' ids unchanged.
        Assert.DoesNotContain(run.SecondProvision.Calls, c => c.Is("az rest") && c.Files.Values.Any(f => f.Contains("appRoles", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_DeclaresTheWebsSignInPermissions_AndChecksConsent(HookShell shell)
    {
        var run = up.In(shell);
        var web = App(run, "ENTRA_WEB_CLIENT_ID");
        var scopes = web["requiredResourceAccess"]!.AsArray().Single(r => r!["resourceAppId"]!.GetValue<string>() == "00000003-0000-0000-c000-000000000000")!["resourceAccess"]!.AsArray().Select(a => a!["id"]!.GetValue<string>());

        Assert.Equal(["37f7f235-527c-4136-accd-4a02d197296e", "14dad69e-099b-42c9-810b-d002981feec1", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"], scopes);
        Assert.Equal([$"https://{run.Environment["WEB_HOSTNAME"]}/signin-oidc"], web["web"]!["redirectUris"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Contains(run.Preprovision.Calls, c => c.Is("az rest") && c.Option("--url")!.EndsWith("policies/authorizationPolicy", StringComparison.Ordinal));
        Assert.Contains("users of this tenant may consent themselves", run.Preprovision.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_RetriesAGraphCall_ThatNamesAnAppGraphHasNotReplicatedYet(HookShell shell)
    {
        var calls = up.In(shell).Preprovision.Calls.ToList();
        var refused = calls.FindIndex(c => c.ExitCode != 0 && c.IsGraph);

        Assert.True(refused >= 0, "The fake Graph refuses the first call that names a new app (replication); the hook must meet that refusal and retry.");
        // It pauses (the fake clock's sleep), then makes the same call again.
        Assert.Equal("sleep 5", calls[refused + 1].Normalized(new Dictionary<string, string>()));
        Assert.Equal(calls[refused].Normalized(new Dictionary<string, string>()), calls[refused + 2].Normalized(new Dictionary<string, string>()));
        Assert.Equal(0, calls[refused + 2].ExitCode);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_GetsCredentialsBeforeAnyKubectl_AndAppliesTheNamespacesFirst(HookShell shell)
    {
        var calls = up.In(shell).Postprovision.Calls.ToList();
        var credentials = calls.FindIndex(c => c.Is("az aks get-credentials"));
        var convert = calls.FindIndex(c => c.Is("kubelogin convert-kubeconfig"));
        var firstKubectl = calls.FindIndex(c => c.Tool == "kubectl");
        var applies = calls.Where(c => c.Is("kubectl apply")).ToList();

        Assert.True(credentials < convert && convert < firstKubectl);
        Assert.Equal(2, applies.Count);
        Assert.Equal(["Namespace", "Namespace"], ClusterObject.Parse("first", applies[0].Files.Values.Single()).Select(o => o.Kind));
        Assert.All(applies, a => Assert.Contains("--server-side", a.Args));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_ActivatesKedasWorkloadIdentity(HookShell shell)
    {
        var run = up.In(shell);
        var calls = run.Postprovision.Calls.Where(c => c.Tool == "kubectl" && c.Args.Contains("keda-operator")).Select(c => string.Join(' ', c.Args)).ToList();
        var lastApply = run.Postprovision.Calls.ToList().FindLastIndex(c => c.Is("kubectl apply"));
        var annotate = run.Postprovision.Calls.ToList().FindIndex(c => c.Is("kubectl annotate"));

        Assert.Equal(
            [
                $"annotate serviceaccount keda-operator --namespace kube-system azure.workload.identity/client-id={run.Environment["AZURE_KEDA_IDENTITY_CLIENT_ID"]} --overwrite",
                "rollout restart deployment keda-operator --namespace kube-system",
                "rollout status deployment keda-operator --namespace kube-system --timeout=300s",
            ],
            calls);
        Assert.True(lastApply < annotate, "KEDA's identity is set after its TriggerAuthentication is applied.");
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_ImportsThirdPartyImages_SoEveryPodPullsFromTheRegistry(HookShell shell)
    {
        var run = up.In(shell);
        var registry = run.Environment["AZURE_CONTAINER_REGISTRY_ENDPOINT"];
        var images = run.Cluster.SelectMany(KubernetesApiRules.PodTemplates).SelectMany(t => (t.Spec.InitContainers ?? []).Concat(t.Spec.Containers)).Select(c => c.Image).ToList();
        var imported = run.Postprovision.Calls.Where(c => c.Is("az acr import")).Select(c => c.Option("--image")).ToHashSet();
        var built = run.Postprovision.Calls.Where(c => c.Is("az acr build")).ToList();

        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.StartsWith(registry + "/", image, StringComparison.Ordinal));
        Assert.All(images.Where(i => !i.Contains("/ollama-models/", StringComparison.Ordinal) && !i.Contains("/llmchat/", StringComparison.Ordinal)), i => Assert.Contains(i[(registry.Length + 1)..], imported));
        // One model image per model of the catalogue, each built by ACR from the registry's own base images.
        Assert.Equal(Tests.Infrastructure.Catalogue.All.Count, built.Count);
        Assert.All(built, b => Assert.All(b.Args.Where(a => a.StartsWith("OLLAMA_IMAGE=", StringComparison.Ordinal) || a.StartsWith("BASE_IMAGE=", StringComparison.Ordinal)), a => Assert.Contains("=" + registry + "/", a, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_OnANewRegistry_ListsItsRepositoriesOnce_AndAsksNoTagsOfWhatItDoesNotHold(HookShell shell)
    {
        var first = up.In(shell).Postprovision.Calls;
        var second = up.In(shell).SecondPostprovision.Calls;

        Assert.Single(first, c => c.Is("az acr repository list"));
        Assert.DoesNotContain(first, c => c.Is("az acr repository show-tags"));
        Assert.Contains(first, c => c.Is("az acr import"));
        // The second run finds every repository in the catalog, reads each one's tags once, and imports nothing.
        Assert.Single(second, c => c.Is("az acr repository list"));
        var tagReads = second.Where(c => c.Is("az acr repository show-tags")).Select(c => c.Option("--repository")).ToList();
        Assert.NotEmpty(tagReads);
        Assert.Equal(tagReads.Distinct().Count(), tagReads.Count);
        Assert.All(second.Where(c => c.Is("az acr repository show-tags")), c => Assert.Equal(0, c.ExitCode));
        Assert.DoesNotContain(second, c => c.Is("az acr import") || c.Is("az acr build"));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_OfANewCluster_WaitsForItsAksRoleToCount_BeforeApplyingAnything(HookShell shell)
    {
        var calls = up.In(shell).Postprovision.Calls.ToList();
        var checks = calls.Select((c, i) => (Call: c, Index: i)).Where(c => c.Call.Is("kubectl auth can-i")).ToList();
        var firstApply = calls.FindIndex(c => c.Is("kubectl apply"));

        // The template made azd's principal Cluster Admin as the deployment ended: kubectl says no until five minutes passed.
        Assert.True(checks.Count > 1, string.Join('\n', calls.Select(c => c.Command)));
        Assert.All(checks.SkipLast(1), c => Assert.Equal(1, c.Call.ExitCode));
        Assert.Equal(0, checks[^1].Call.ExitCode);
        Assert.True(checks[^1].Index < firstApply);
        Assert.Contains(calls, c => c.Is("sleep 15"));
        Assert.Equal(["convert-kubeconfig", "-l", "azd"], calls.Single(c => c.Is("kubelogin")).Args);
        // On the next provision the role has long counted: one check, then on.
        Assert.Single(up.In(shell).SecondPostprovision.Calls, c => c.Is("kubectl auth can-i"));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_SelfSignedCertificate_NamesTheHost_AndOnlyTheGatewayMayReadIt(HookShell shell)
    {
        var run = up.In(shell);
        var vault = run.Azure["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]!.AsObject().Select(g => g.Value!["vaults"]?[run.Environment["AZURE_KEY_VAULT_NAME"]]).First(v => v is not null)!;
        var policy = vault["certificates"]!["web-tls"]!["x509CertificateProperties"]!;
        // The hooks' own role assignments (the template's, for the deploying principal, are made by the provision).
        var assignments = run.Azure["subscriptions"]![FakeWorld.Subscription]!["roleAssignments"]!.AsArray().Where(a => a!["roleDefinitionName"]!.GetValue<string>() == "Key Vault Secrets User").ToList();

        Assert.Equal($"CN={run.Environment["WEB_HOSTNAME"]}", policy["subject"]!.GetValue<string>());
        Assert.Equal([run.Environment["WEB_HOSTNAME"]], policy["subjectAlternativeNames"]!["dnsNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        var reader = Assert.Single(assignments);
        Assert.Equal("Key Vault Secrets User", reader!["roleDefinitionName"]!.GetValue<string>());
        Assert.Equal(run.Environment["AZURE_GATEWAY_IDENTITY_PRINCIPAL_ID"], reader["principalId"]!.GetValue<string>());
        Assert.EndsWith($"/vaults/{run.Environment["AZURE_KEY_VAULT_NAME"]}/secrets/web-tls", reader["scope"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Provision_RunAgain_CreatesNothingNew_AndMakesNoGraphCall(HookShell shell)
    {
        var run = up.In(shell);
        var second = run.SecondProvision.Calls.ToList();
        string[] creating = ["az ad app create", "az ad sp create", "az ad app federated-credential create", "az keyvault certificate create", "az role assignment create", "az acr import", "az acr build"];

        Assert.Equal(0, run.SecondProvision.ExitCode);
        Assert.All(creating, command => Assert.Contains(run.Provision.Calls, c => c.Is(command)));
        Assert.All(creating, command => Assert.DoesNotContain(second, c => c.Is(command)));
        // Only the node counts the cluster has now are recorded again (the provision sends them back, unchanged).
        Assert.All(second.Where(c => c.Is("azd env set")), c => Assert.EndsWith("_CURRENT_COUNT", c.Args[2], StringComparison.Ordinal));
        Assert.DoesNotContain(second, c => c.IsGraph);
        Assert.Contains(second, c => c.Is("kubectl apply"));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void AzdDeploy_TemplatesEveryManifest_AndSendsNoLiteralTemplate(HookShell shell)
    {
        var run = up.In(shell);

        Assert.Equal(["infra/k8s/api/api.tmpl.yaml", "infra/k8s/web/web.tmpl.yaml"], run.Deployed.Select(d => d.File));
        Assert.All(run.Deployed, d => Assert.True(d.Templated, d.File));
        Assert.DoesNotContain(KubernetesApiRules.Check(run.Cluster), v => v.StartsWith("rendered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AzdDeploy_AFileNotNamedTmpl_ReachesTheClusterWithItsTemplateText()
    {
        using var project = new TemporaryFolder();
        Directory.CreateDirectory(Path.Combine(project.Path, "Api"));
        using var folder = new TemporaryCopy("infra/k8s/api", rename: ("api.tmpl.yaml", "api.yaml"));
        File.WriteAllText(Path.Combine(project.Path, "azure.yaml"), $"name: llmchat\nservices:\n  api:\n    project: ./Api\n    host: aks\n    k8s:\n      deploymentPath: {Path.GetRelativePath(Path.Combine(project.Path, "Api"), folder.Path)}\n");
        using var azure = new FakeAzure(up.Sh.Azure.DeepClone()) { Root = project.Path };

        var deploy = await azure.RunAsync(HookShell.Sh, AzdUpRun.Timeout, "azd", "deploy", "--no-prompt");
        var applied = azure.State["azd"]!["applied"]!.AsArray().Last()!;
        var violations = KubernetesApiRules.Check(AzdUpRun.ClusterState(azure.State));

        Assert.Equal(0, deploy.ExitCode);
        Assert.False(applied["templated"]!.GetValue<bool>());
        Assert.Contains(violations, v => v.StartsWith("rendered:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("image-reference:", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void AzdDeploy_FindsEachServicesOwnDeploymentAndService_AndNoIngress(HookShell shell)
    {
        var run = up.In(shell);

        foreach (var service in AzdProject.Load(Repository.Root).Services)
        {
            // azd picks the first object, in the API server's name order, whose name contains the configured name.
            Assert.Equal(service.DeploymentName, AzdLookup.First(run.Cluster, "Deployment", service.Namespace, service.DeploymentName)?.Name);
            Assert.Equal(service.ServiceName, AzdLookup.First(run.Cluster, "Service", service.Namespace, service.ServiceName)?.Name);
            // azd always looks for an Ingress named like the service; with the Gateway API there is none, which azd
            // treats as ErrResourceNotFound and ignores (azure-dev service_target_aks.go, Endpoints).
            Assert.Null(AzdLookup.First(run.Cluster, "Ingress", service.Namespace, service.ServiceName));
            Assert.Null(service.IngressName);
        }
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Cluster_PassesTheApiServersRules(HookShell shell)
    {
        var violations = KubernetesApiRules.Check(up.In(shell).Cluster);

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void Web_SignsInWithItsProjectedToken_FederatedForItsServiceAccount()
    {
        var run = up.Sh;
        var web = run.Cluster.Single(o => o is { Kind: "Deployment", Name: "web" }).As<V1Deployment>();
        var environment = web.Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        var credential = App(run, "ENTRA_WEB_CLIENT_ID")["federatedIdentityCredentials"]!.AsArray().Single()!;

        Assert.Equal("SignedAssertionFilePath", environment["AzureAd__ClientCredentials__0__SourceType"]);
        Assert.DoesNotContain(environment.Keys, k => k.Contains("ManagedIdentity", StringComparison.Ordinal));
        Assert.Equal("web", web.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal("true", web.Spec.Template.Metadata.Labels["azure.workload.identity/use"]);
        Assert.Equal(run.Environment["AZURE_AKS_OIDC_ISSUER_URL"], credential["issuer"]!.GetValue<string>());
        Assert.Equal("system:serviceaccount:llmchat:web", credential["subject"]!.GetValue<string>());
        Assert.Equal(["api://AzureADTokenExchange"], credential["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public void Identities_AgreeAcrossBicepHooksAndManifests()
    {
        var violations = IdentityWiring.Check(IdentityWiring.Load(), up.OutputNames, up.Sh);

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void IdentityWiring_FindsAServiceAccountNamingAnotherIdentity()
    {
        var wrongAnnotation = up.Sh.Cluster.Select(o => o is { Kind: "ServiceAccount", Name: "api" }
            ? o with { Text = o.Text.Replace(up.Sh.Environment["AZURE_API_IDENTITY_CLIENT_ID"], up.Sh.Environment["AZURE_WEB_IDENTITY_CLIENT_ID"], StringComparison.Ordinal) }
            : o).ToList();

        var violations = IdentityWiring.Check(IdentityWiring.Load(), up.OutputNames, up.Sh with { Cluster = wrongAnnotation });

        Assert.Contains(violations, v => v.Contains("ServiceAccount api", StringComparison.Ordinal));
    }

    /// <summary>The store's password mount: each defect would leave its pod in ContainerCreating (the CSI mount fails).</summary>
    [Theory]
    [InlineData("another identity")]
    [InlineData("a secret the vault does not hold")]
    [InlineData("another vault")]
    [InlineData("no role on the secret")]
    public void IdentityWiring_FindsAStorePasswordMountThatCannotWork(string defect)
    {
        var run = up.Sh;
        var cluster = run.Cluster.Select(o => o is { Kind: "SecretProviderClass" } && defect != "no role on the secret"
            ? o with
            {
                Text = defect switch
                {
                    "another identity" => o.Text.Replace(run.Environment["AZURE_CACHE_IDENTITY_CLIENT_ID"], run.Environment["AZURE_API_IDENTITY_CLIENT_ID"], StringComparison.Ordinal),
                    "a secret the vault does not hold" => o.Text.Replace("objectName: SharedStore--Password", "objectName: SharedStore--Passwort", StringComparison.Ordinal),
                    _ => o.Text.Replace(run.Environment["AZURE_KEY_VAULT_NAME"], "kv-elsewhere", StringComparison.Ordinal),
                },
            }
            : o).ToList();
        var identities = IdentityWiring.Load().Select(i => defect == "no role on the secret" && i.Name == "cache" ? i with { Roles = [] } : i).ToList();

        var violations = IdentityWiring.Check(identities, up.OutputNames, run with { Cluster = cluster });

        Assert.Contains(violations, v => v.Contains(defect switch
        {
            "another identity" => $"its clientID '{run.Environment["AZURE_API_IDENTITY_CLIENT_ID"]}' is not the identity of the pods that mount it",
            "a secret the vault does not hold" => "names secret SharedStore--Passwort, which the vault does not hold",
            "another vault" => "its vault 'kv-elsewhere'",
            _ => "cache has no Key Vault Secrets User there",
        }, StringComparison.Ordinal));
    }

    [Fact]
    public void IdentityWiring_FindsAnIdentityWithoutItsOutput()
    {
        var violations = IdentityWiring.Check(IdentityWiring.Load(), [.. up.OutputNames.Where(n => n != "AZURE_KEDA_IDENTITY_CLIENT_ID")], up.Sh);

        Assert.Contains(violations, v => v.Contains("AZURE_KEDA_IDENTITY_CLIENT_ID", StringComparison.Ordinal));
    }
}
