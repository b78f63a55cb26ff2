using System.Text.Json.Nodes;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// The fakes' rules that play out in time or between machines (lib/identity.mjs T1-T4, lib/kubectl.mjs K5-K7,
/// lib/network.mjs N1-N3, lib/github.mjs GH1-GH2, lib/arm.mjs A13), each shown refusing its defect and accepting the
/// right form, so that a passing deployment test proves the real tools would have taken it.
/// </summary>
[Collection(AzdUpCollection.Name)]
public sealed class FakeCloudTimeRulesTests(AzdUpSimulation up)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private FakeAzure Provisioned(Action<JsonNode>? change = null) => up.Provisioned(change);

    private static Task<HookRun> Run(FakeAzure azure, string tool, params string[] arguments) => azure.RunAsync(HookShell.Sh, Timeout, tool, arguments);

    private static Task<HookRun> InJob(FakeAzure azure, DeliveryEnvironment environment, params string[] command) =>
        azure.RunProgramAsync(Timeout, "env", [$"ACTIONS_ID_TOKEN_REQUEST_URL=https://token.test/?subject={Uri.EscapeDataString(environment.Subject)}", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=t", .. command]);

    [Fact]
    public async Task T1_T2_AFederatedAz_GetsNoTokenForANewResourceFiveMinutesAfterSignIn_ButKeepsItsArmToken()
    {
        using var azure = await Delivery.WorldAsync();
        var (clientId, _) = Delivery.App(azure.State, Delivery.Staging);
        await Run(azure, "az", "login", "--service-principal", "--username", clientId, "--tenant", FakeWorld.Tenant, "--federated-token", "github-oidc:" + Delivery.Staging.Subject);
        var early = await Run(azure, "az", "account", "get-access-token", "--resource", "6dae42f8-4368-4678-94ff-3960e28e3630", "-o", "json");
        await Run(azure, "sleep", "300");

        var late = await Run(azure, "az", "account", "get-access-token", "--resource", "https://vault.azure.net", "-o", "json");
        var cached = await Run(azure, "az", "account", "get-access-token", "--resource", "6dae42f8-4368-4678-94ff-3960e28e3630", "-o", "json");
        var arm = await Run(azure, "az", "aks", "nodepool", "list", "--resource-group", Delivery.Staging.ResourceGroup, "--cluster-name", Delivery.Staging.ClusterName, "-o", "json");

        Assert.True(early.ExitCode == 0, early.ToString());
        Assert.Contains("AADSTS700024: Client assertion is not within its valid time range", late.Output, StringComparison.Ordinal);
        Assert.True(cached.ExitCode == 0, cached.ToString());
        Assert.True(arm.ExitCode == 0, arm.ToString());
    }

    [Fact]
    public async Task K1_T1_T3_KubectlThroughAzAfterTheAssertionExpired_Fails_ThroughAzd_AsksGitHubAgain()
    {
        using var azure = await Delivery.WorldAsync();
        var (clientId, _) = Delivery.App(azure.State, Delivery.Staging);
        await Run(azure, "az", "login", "--service-principal", "--username", clientId, "--tenant", FakeWorld.Tenant, "--federated-token", "github-oidc:" + Delivery.Staging.Subject);
        await InJob(azure, Delivery.Staging, "azd", "auth", "login", "--client-id", clientId, "--federated-credential-provider", "github", "--tenant-id", FakeWorld.Tenant);
        await Run(azure, "az", "account", "set", "--subscription", FakeWorld.Subscription);
        await Run(azure, "az", "aks", "get-credentials", "--resource-group", Delivery.Staging.ResourceGroup, "--name", Delivery.Staging.ClusterName, "--overwrite-existing");
        await Run(azure, "sleep", "480");

        await Run(azure, "kubelogin", "convert-kubeconfig", "-l", "azurecli");
        var throughAz = await InJob(azure, Delivery.Staging, "kubectl", "auth", "can-i", "create", "namespaces");
        await Run(azure, "kubelogin", "convert-kubeconfig", "-l", "azd");
        var throughAzd = await InJob(azure, Delivery.Staging, "kubectl", "auth", "can-i", "create", "namespaces");
        var azdOutsideTheJob = await Run(azure, "kubectl", "auth", "can-i", "create", "namespaces");

        Assert.Contains("AADSTS700024", throughAz.Output, StringComparison.Ordinal);
        Assert.Contains("getting credentials: exec: executable kubelogin failed with exit code 1", throughAz.Output, StringComparison.Ordinal);
        Assert.True(throughAzd.ExitCode == 0 && throughAzd.Output.Trim() == "yes", throughAzd.ToString());
        Assert.Contains("no ACTIONS_ID_TOKEN_REQUEST_TOKEN", azdOutsideTheJob.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task T4_K5_ANewAksRole_CountsOnlyAfterFiveMinutes_UntilThenKubectlIsForbidden_AndCanISaysNo()
    {
        using var azure = Provisioned(s =>
        {
            // A principal whose AKS role was assigned just now.
            var me = s["account"]!["principal"]!["objectId"]!.GetValue<string>();
            foreach (var assignment in s["subscriptions"]![FakeWorld.Subscription]!["roleAssignments"]!.AsArray().Where(a => a!["principalId"]!.GetValue<string>() == me))
            {
                assignment!["createdAt"] = s["clock"]!.GetValue<int>();
            }
        });

        var canI = await Run(azure, "kubectl", "auth", "can-i", "create", "namespaces");
        var apply = await Run(azure, "kubectl", "-n", "llmchat", "rollout", "status", "deployment/web");
        await Run(azure, "sleep", "300");
        var later = await Run(azure, "kubectl", "auth", "can-i", "create", "namespaces");

        Assert.Equal(1, canI.ExitCode);
        Assert.Equal("no", canI.Output.Trim());
        Assert.Contains("Error from server (Forbidden)", apply.Output, StringComparison.Ordinal);
        Assert.Equal(0, later.ExitCode);
        Assert.Equal("yes", later.Output.Trim());
    }

    [Fact]
    public async Task K6_GetOfAMissingDeployment_IsNotFound_UnlessIgnoreNotFound_AndAForbiddenCallIsNeverEmpty()
    {
        using var azure = Provisioned();
        const string Revision = "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}";

        var missing = await Run(azure, "kubectl", "-n", "llmchat", "get", "deployment", "nope", "-o", Revision);
        var ignored = await Run(azure, "kubectl", "-n", "llmchat", "get", "deployment", "nope", "--ignore-not-found", "-o", Revision);
        azure.Update(s => s["subscriptions"]![FakeWorld.Subscription]!["roleAssignments"] = new JsonArray());
        var forbidden = await Run(azure, "kubectl", "-n", "llmchat", "get", "deployment", "web", "--ignore-not-found", "-o", Revision);

        Assert.Contains("NotFound", missing.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Equal(0, ignored.ExitCode);
        Assert.Equal(string.Empty, ignored.Output);
        Assert.NotEqual(0, forbidden.ExitCode);
        Assert.Contains("Forbidden", forbidden.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task N1_N2_N3_K7_AHostWithoutARecord_DoesNotResolve_ButTheGatewaysAddressAnswersForIt()
    {
        using var azure = Provisioned();
        var host = up.Sh.Environment["WEB_HOSTNAME"];

        var address = await Run(azure, "kubectl", "-n", "llmchat-gateway", "get", "gateway", "llmchat", "-o", "jsonpath={.status.addresses[0].value}");
        var noRecord = await Run(azure, "curl", "-ks", "-o", "/dev/null", "-w", "%{http_code}", $"https://{host}/");
        var getent = await Run(azure, "getent", "ahostsv4", host);
        var pinned = await Run(azure, "curl", "-ks", "--resolve", $"{host}:443:{address.Output}", "-o", "/dev/null", "-w", "%{http_code}", $"https://{host}/");
        var otherHost = await Run(azure, "curl", "-ks", "--resolve", $"other.contoso.com:443:{address.Output}", "-o", "/dev/null", "-w", "%{http_code}", "https://other.contoso.com/");
        var nowhere = await Run(azure, "curl", "-ks", "--resolve", $"{host}:443:10.9.9.9", "-o", "/dev/null", "-w", "%{http_code}", $"https://{host}/");
        azure.Update(s => s["dns"] = new JsonObject { [host] = address.Output });
        var recorded = await Run(azure, "getent", "ahostsv4", host);
        var resolved = await Run(azure, "curl", "-ks", "-o", "/dev/null", "-w", "%{http_code}", $"https://{host}/alive");

        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", address.Output);
        Assert.Equal(6, noRecord.ExitCode);
        Assert.Contains($"Could not resolve host: {host}", noRecord.Output, StringComparison.Ordinal);
        Assert.Equal(2, getent.ExitCode);
        Assert.Equal("302", pinned.Output);
        Assert.Equal("404", otherHost.Output);
        Assert.Equal(7, nowhere.ExitCode);
        Assert.StartsWith(address.Output + " ", recorded.Output, StringComparison.Ordinal);
        Assert.Equal("200", resolved.Output);
    }

    [Fact]
    public async Task GH1_GH2_GhInAWorkflow_NeedsGhToken_AndReadingRunsNeedsActionsRead()
    {
        using var azure = Provisioned(s => s["github"] = new JsonObject
        {
            ["tokens"] = new JsonObject
            {
                ["ghs_reader"] = new JsonObject { ["permissions"] = new JsonObject { ["actions"] = "read" } },
                ["ghs_other"] = new JsonObject { ["permissions"] = new JsonObject { ["contents"] = "read" } },
            },
            ["runs"] = new JsonArray(new JsonObject { ["workflow"] = "ci.yml", ["event"] = "push", ["head_sha"] = "abc", ["head_branch"] = "main", ["conclusion"] = "success" }),
        });
        Task<HookRun> Gh(string? token) => azure.RunProgramAsync(Timeout, "env", ["GITHUB_ACTIONS=true", .. token is null ? Array.Empty<string>() : [$"GH_TOKEN={token}"],
            "gh", "api", "repos/contoso/llmchat/actions/workflows/ci.yml/runs?head_sha=abc&event=push&branch=main&status=success", "--jq", ".total_count"]);

        var none = await Gh(null);
        var other = await Gh("ghs_other");
        var reader = await Gh("ghs_reader");

        Assert.Equal(4, none.ExitCode);
        Assert.Contains("set the GH_TOKEN environment variable", none.Output, StringComparison.Ordinal);
        Assert.Contains("Resource not accessible by integration (HTTP 403)", other.Output, StringComparison.Ordinal);
        Assert.Equal("1", reader.Output.Trim());
    }

    [Fact]
    public async Task A13_ACertificateWhoseIssuanceFailed_ExitsZero_WithTheOperationFailed_AndNoSecret()
    {
        using var azure = Provisioned(s => s["keyVaultIssuance"] = new JsonObject { ["seconds"] = 30, ["outcome"] = "failed" });
        var vault = up.Sh.Environment["AZURE_KEY_VAULT_NAME"];
        var policy = Path.GetTempFileName();
        var text = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "hooks", "KeyVault", "self-signed-policy.json")))!;
        text["x509CertificateProperties"]!["subject"] = "CN=other.contoso.com";
        File.WriteAllText(policy, text.ToJsonString());

        var created = await Run(azure, "az", "keyvault", "certificate", "create", "--vault-name", vault, "--name", "other-tls", "--policy", "@" + policy, "-o", "json");
        var pending = await Run(azure, "az", "keyvault", "certificate", "pending", "show", "--vault-name", vault, "--name", "other-tls", "-o", "json");

        Assert.Equal(0, created.ExitCode);
        Assert.Equal("failed", JsonNode.Parse(created.Output)!["status"]!.GetValue<string>());
        Assert.Equal("failed", JsonNode.Parse(pending.Output)!["status"]!.GetValue<string>());
        Assert.Null(azure.State["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]!.AsObject().Select(g => g.Value!["vaults"]?[vault]).First(v => v is not null)!["secrets"]!["other-tls"]);
    }
}
