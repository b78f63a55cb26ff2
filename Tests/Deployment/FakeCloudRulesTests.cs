using System.Text.Json.Nodes;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// Each rule of the fake cloud (Tests/Deployment/Fakes/lib: Graph G1-G13, ARM A1-A10, kubectl K1-K4), shown refusing the
/// defect it models and accepting the right form, so that a passing hook proves the real service would have taken it.
/// </summary>
[Collection(AzdUpCollection.Name)]
public sealed class FakeCloudRulesTests(AzdUpSimulation up)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private FakeAzure Provisioned(Action<JsonNode>? change = null) => up.Provisioned(change);

    private static Task<HookRun> Az(FakeAzure azure, params string[] arguments) => azure.RunAsync(HookShell.Sh, Timeout, "az", arguments);

    private static string BodyFile(JsonNode body)
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, body.ToJsonString());
        return "@" + file;
    }

    private static async Task<string> NewApp(FakeAzure azure)
    {
        var created = await Az(azure, "ad", "app", "create", "--display-name", "rules", "-o", "json");
        var appId = JsonNode.Parse(created.Output)!["appId"]!.GetValue<string>();
        await Az(azure, "ad", "app", "show", "--id", appId, "-o", "json"); // G6: spend the replication refusal
        return appId;
    }

    private static JsonObject Scope(string id) => new() { ["id"] = id, ["value"] = "chat", ["type"] = "User", ["isEnabled"] = true };

    private static Task<HookRun> Patch(FakeAzure azure, string appId, JsonNode api) =>
        Az(azure, "rest", "--method", "PATCH", "--url", $"https://graph.microsoft.com/v1.0/applications(appId='{appId}')", "--body", BodyFile(new JsonObject { ["api"] = api }));

    [Fact]
    public async Task G1_PreAuthorizingAScopeInTheSameRequest_IsRefused_AfterStoringIt_Accepted()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);
        var scopeId = Guid.NewGuid().ToString();
        var web = up.Sh.Environment["ENTRA_WEB_CLIENT_ID"];
        JsonNode PreAuthorized() => new JsonArray(new JsonObject { ["appId"] = web, ["delegatedPermissionIds"] = new JsonArray(scopeId) });

        var together = await Patch(azure, appId, new JsonObject { ["oauth2PermissionScopes"] = new JsonArray(Scope(scopeId)), ["preAuthorizedApplications"] = PreAuthorized() });
        var scopeFirst = await Patch(azure, appId, new JsonObject { ["oauth2PermissionScopes"] = new JsonArray(Scope(scopeId)) });
        var thenPreAuthorize = await Patch(azure, appId, new JsonObject { ["oauth2PermissionScopes"] = new JsonArray(Scope(scopeId)), ["preAuthorizedApplications"] = PreAuthorized() });

        Assert.NotEqual(0, together.ExitCode);
        Assert.Contains("has a Permission Id that cannot be found in the AppPermissions sets", together.Output, StringComparison.Ordinal);
        Assert.Equal(0, scopeFirst.ExitCode);
        Assert.Equal(0, thenPreAuthorize.ExitCode);
    }

    [Fact]
    public async Task G2_APatchThatDropsAnEnabledScope_IsRefused()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);
        await Patch(azure, appId, new JsonObject { ["oauth2PermissionScopes"] = new JsonArray(Scope(Guid.NewGuid().ToString())) });

        var dropped = await Patch(azure, appId, new JsonObject { ["preAuthorizedApplications"] = new JsonArray() });

        Assert.NotEqual(0, dropped.ExitCode);
        Assert.Contains("CannotDeleteOrUpdateEnabledEntitlement", dropped.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task G3_APropertyGraphDoesNotKnow_IsRefused()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);

        var result = await Patch(azure, appId, new JsonObject { ["preAuthorizedApplications"] = new JsonArray(new JsonObject { ["appId"] = appId, ["permissionIds"] = new JsonArray() }), ["oauth2PermissionScopes"] = new JsonArray(), ["knownClients"] = true });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Unexpected contents in request body.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task G10_OptionalClaims_TakeOnlyGraphsShape()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);
        Task<HookRun> PatchClaims(JsonNode claims) =>
            Az(azure, "rest", "--method", "PATCH", "--url", $"https://graph.microsoft.com/v1.0/applications(appId='{appId}')", "--body", BodyFile(new JsonObject { ["optionalClaims"] = claims }));

        var unknownTokenType = await PatchClaims(new JsonObject { ["idTokens"] = new JsonArray(new JsonObject { ["name"] = "auth_time" }) });
        var unknownProperty = await PatchClaims(new JsonObject { ["idToken"] = new JsonArray(new JsonObject { ["name"] = "auth_time", ["required"] = true }) });
        var nameless = await PatchClaims(new JsonObject { ["idToken"] = new JsonArray(new JsonObject { ["essential"] = false }) });
        var hooks = await PatchClaims(JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "hooks", "Entra", "web-optional-claims.json")))!);

        Assert.Contains("Unexpected contents in request body.", unknownTokenType.Output, StringComparison.Ordinal);
        Assert.Contains("Unexpected contents in request body.", unknownProperty.Output, StringComparison.Ordinal);
        Assert.Contains("without a name", nameless.Output, StringComparison.Ordinal);
        Assert.Equal(0, hooks.ExitCode);
    }

    [Fact]
    public async Task G11_AppRoles_TakeOnlyGraphsShape_AndAnEnabledRoleIsNeverDroppedOrChanged()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);
        Task<HookRun> PatchRoles(params JsonObject[] roles) =>
            Az(azure, "rest", "--method", "PATCH", "--url", $"https://graph.microsoft.com/v1.0/applications(appId='{appId}')", "--body", BodyFile(new JsonObject { ["appRoles"] = new JsonArray([.. roles]) }));
        JsonObject Role(string value, string id, string? types = "User") => new()
        {
            ["id"] = id, ["value"] = value, ["displayName"] = value, ["description"] = value, ["isEnabled"] = true,
            ["allowedMemberTypes"] = types is null ? new JsonArray() : new JsonArray(types),
        };
        var admin = Guid.NewGuid().ToString();

        var notAGuid = await PatchRoles(Role("Admin", "admin"));
        var noMemberType = await PatchRoles(Role("Admin", admin, types: null));
        var wrongMemberType = await PatchRoles(Role("Admin", admin, types: "Group"));
        var spaced = await PatchRoles(Role("Chat Admin", admin));
        var dotted = await PatchRoles(Role(".Admin", admin));
        var twice = await PatchRoles(Role("Admin", admin), Role("Admin", Guid.NewGuid().ToString()));
        var withOrigin = Role("Admin", admin);
        withOrigin["origin"] = "Application";
        var origin = await PatchRoles(withOrigin);
        var stored = await PatchRoles(Role("Admin", admin));
        var dropped = await PatchRoles(Role("Auditor", Guid.NewGuid().ToString()));
        var renamed = await PatchRoles(Role("Administrator", admin));
        var kept = await PatchRoles(Role("Admin", admin), Role("Auditor", Guid.NewGuid().ToString()));

        Assert.Contains("unique GUID", notAGuid.Output, StringComparison.Ordinal);
        Assert.Contains("allowedMemberTypes", noMemberType.Output, StringComparison.Ordinal);
        Assert.Contains("allowedMemberTypes", wrongMemberType.Output, StringComparison.Ordinal);
        Assert.Contains("appRoles.value", spaced.Output, StringComparison.Ordinal);
        Assert.Contains("appRoles.value", dotted.Output, StringComparison.Ordinal);
        Assert.Contains("appRoles.value", twice.Output, StringComparison.Ordinal);
        Assert.Contains("read-only", origin.Output, StringComparison.Ordinal);
        Assert.Equal(0, stored.ExitCode);
        Assert.Contains("CannotDeleteOrUpdateEnabledEntitlement", dropped.Output, StringComparison.Ordinal);
        Assert.Contains("CannotDeleteOrUpdateEnabledEntitlement", renamed.Output, StringComparison.Ordinal);
        Assert.Equal(0, kept.ExitCode);
    }

    [Fact]
    public async Task G12_G13_GroupClaimsAndAssignment_TakeOnlyGraphsValues()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);
        await Az(azure, "ad", "sp", "create", "--id", appId, "-o", "json");
        Task<HookRun> Patch(string path, JsonNode body) => Az(azure, "rest", "--method", "PATCH", "--url", $"https://graph.microsoft.com/v1.0/{path}(appId='{appId}')", "--body", BodyFile(body));

        var made = await Patch("applications", new JsonObject { ["groupMembershipClaims"] = "AppGroups" });
        var group = await Patch("applications", new JsonObject { ["groupMembershipClaims"] = "ApplicationGroup" });
        var text = await Patch("servicePrincipals", new JsonObject { ["appRoleAssignmentRequired"] = "true" });
        var unknown = await Patch("servicePrincipals", new JsonObject { ["assignmentRequired"] = true });
        var required = await Patch("servicePrincipals", new JsonObject { ["appRoleAssignmentRequired"] = true });

        Assert.Contains("Invalid value specified for property 'groupMembershipClaims'", made.Output, StringComparison.Ordinal);
        Assert.Equal(0, group.ExitCode);
        Assert.Contains("Invalid value specified for property 'appRoleAssignmentRequired'", text.Output, StringComparison.Ordinal);
        Assert.Contains("Unexpected contents in request body.", unknown.Output, StringComparison.Ordinal);
        Assert.Equal(0, required.ExitCode);
    }

    [Fact]
    public async Task G4_G5_IdentifierUrisAndRedirectUris_FollowEntrasRestrictions()
    {
        using var azure = Provisioned();
        var appId = await NewApp(azure);

        var unverified = await Az(azure, "ad", "app", "update", "--id", appId, "--identifier-uris", "https://api.fabrikam.example/chat");
        var ours = await Az(azure, "ad", "app", "update", "--id", appId, "--identifier-uris", $"api://{appId}");
        var http = await Az(azure, "ad", "app", "update", "--id", appId, "--web-redirect-uris", "http://chat.contoso.com/signin-oidc");
        var https = await Az(azure, "ad", "app", "update", "--id", appId, "--web-redirect-uris", "https://chat.contoso.com/signin-oidc");

        Assert.Contains("HostNameNotOnVerifiedDomain", unverified.Output, StringComparison.Ordinal);
        Assert.Equal(0, ours.ExitCode);
        Assert.Contains("web.redirectUris", http.Output, StringComparison.Ordinal);
        Assert.Equal(0, https.ExitCode);
    }

    [Fact]
    public async Task G6_AnAppJustCreated_IsUnknownToTheNextCall_ThenKnown()
    {
        using var azure = Provisioned();
        var created = await Az(azure, "ad", "app", "create", "--display-name", "replication", "-o", "json");
        var appId = JsonNode.Parse(created.Output)!["appId"]!.GetValue<string>();

        var first = await Az(azure, "ad", "sp", "create", "--id", appId, "-o", "json");
        var second = await Az(azure, "ad", "sp", "create", "--id", appId, "-o", "json");

        Assert.Contains("does not exist or one of its queried reference-property objects are not present", first.Output, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
    }

    [Fact]
    public async Task G7_G9_APrincipalWithoutGraphRights_IsRefused_AndConsentNeedsAnAdmin()
    {
        using var none = Provisioned(s => s["account"]!["principal"]!["graph"] = "none");
        using var user = Provisioned();

        var denied = await Az(none, "ad", "app", "show", "--id", up.Sh.Environment["ENTRA_WEB_CLIENT_ID"], "-o", "json");
        var consent = await Az(user, "ad", "app", "permission", "admin-consent", "--id", up.Sh.Environment["ENTRA_WEB_CLIENT_ID"]);

        Assert.Contains("Authorization_RequestDenied", denied.Output, StringComparison.Ordinal);
        Assert.Contains("Authorization_RequestDenied", consent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A1_A3_G8_AzActsOnTheSubscriptionItSelectedLast_NotOnAzdsEnvironment()
    {
        using var azure = Provisioned(s => s["account"]!["selected"] = FakeWorld.OtherSubscription);
        var group = up.Sh.Environment["AZURE_RESOURCE_GROUP"];
        var cluster = up.Sh.Environment["AZURE_AKS_CLUSTER_NAME"];

        var before = await Az(azure, "aks", "nodepool", "list", "--resource-group", group, "--cluster-name", cluster, "-o", "json");
        var app = await Az(azure, "ad", "app", "create", "--display-name", "lands-in-the-other-tenant", "-o", "json");
        await Az(azure, "account", "set", "--subscription", FakeWorld.Subscription);
        var after = await Az(azure, "aks", "nodepool", "list", "--resource-group", group, "--cluster-name", cluster, "-o", "json");

        Assert.Contains("ResourceGroupNotFound", before.Output, StringComparison.Ordinal);
        Assert.Equal(0, app.ExitCode);
        Assert.Single(azure.State["tenants"]![FakeWorld.OtherTenant]!["apps"]!.AsObject());
        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public async Task A2_SelectingASubscriptionTheAccountCannotSee_IsRefused()
    {
        using var azure = Provisioned(s => s["account"]!["visible"] = new JsonArray(FakeWorld.OtherSubscription));

        var result = await Az(azure, "account", "set", "--subscription", FakeWorld.Subscription);

        Assert.Contains("doesn't exist in cloud 'AzureCloud'", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A4_ListSkus_LeavesOutTheSizesTheSubscriptionMayNotUse_UnlessAll()
    {
        using var azure = Provisioned(s => s["skus"]![FakeWorld.Region]!.AsArray().Add(new FakeVmSize("Standard_NC40ads_H100_v5", "standardNCadsH100v5Family", 40, ["1"], Restricted: true).ToJson(FakeWorld.Region)));

        var plain = await Az(azure, "vm", "list-skus", "--location", FakeWorld.Region, "--query", "[].name", "-o", "json");
        var all = await Az(azure, "vm", "list-skus", "--location", FakeWorld.Region, "--all", "--query", "[].name", "-o", "json");

        Assert.DoesNotContain("Standard_NC40ads_H100_v5", plain.Output, StringComparison.Ordinal);
        Assert.Contains("Standard_NC40ads_H100_v5", all.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A5_A6_AcrTasksOnFreeCredits_AndAnonymousDockerHubPullsPastTheLimit_AreRefused()
    {
        using var azure = Provisioned(s =>
        {
            s["subscriptions"]![FakeWorld.Subscription]!["quotaId"] = "FreeTrial_2014-09-01";
            s["dockerHub"]!["anonymousPulls"] = 0;
        });
        var registry = up.Sh.Environment["AZURE_CONTAINER_REGISTRY_NAME"];

        var build = await Az(azure, "acr", "build", "--registry", registry, "--image", "x:1", "infra/models");
        var anonymous = await Az(azure, "acr", "import", "--name", registry, "--source", "docker.io/library/busybox:1.37.0", "--image", "library/busybox:1.37.0");
        var signedIn = await Az(azure, "acr", "import", "--name", registry, "--source", "docker.io/library/busybox:1.37.0", "--image", "library/busybox:1.37.0", "--username", "me", "--password", "token");

        Assert.Contains("TasksOperationsNotAllowed", build.Output, StringComparison.Ordinal);
        Assert.Contains("toomanyrequests", anonymous.Output, StringComparison.Ordinal);
        Assert.Equal(0, signedIn.ExitCode);
    }

    [Fact]
    public async Task A7_A8_ARoleOnASecretThatDoesNotExistYet_AndACertificateWithoutAnExportableKey_AreRefused()
    {
        using var azure = Provisioned();
        var vault = up.Sh.Environment["AZURE_KEY_VAULT_NAME"];
        var vaultId = JsonNode.Parse((await Az(azure, "keyvault", "show", "--name", vault, "-o", "json")).Output)!["id"]!.GetValue<string>();
        var principal = up.Sh.Environment["AZURE_GATEWAY_IDENTITY_PRINCIPAL_ID"];
        var policy = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "hooks", "KeyVault", "self-signed-policy.json")))!;
        policy["x509CertificateProperties"]!["subject"] = "CN=other.contoso.com";
        policy["keyProperties"]!["exportable"] = false;

        var early = await Az(azure, "role", "assignment", "create", "--assignee-object-id", principal, "--assignee-principal-type", "ServicePrincipal", "--role", "Key Vault Secrets User", "--scope", $"{vaultId}/secrets/other-tls");
        var stranger = await Az(azure, "role", "assignment", "create", "--assignee-object-id", Guid.NewGuid().ToString(), "--assignee-principal-type", "ServicePrincipal", "--role", "Key Vault Secrets User", "--scope", $"{vaultId}/secrets/web-tls");
        var sealedKey = await Az(azure, "keyvault", "certificate", "create", "--vault-name", vault, "--name", "other-tls", "--policy", BodyFile(policy));

        Assert.Contains("does not exist", early.Output, StringComparison.Ordinal);
        Assert.Contains("PrincipalNotFound", stranger.Output, StringComparison.Ordinal);
        Assert.Contains("exportable", sealedKey.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task K1_Kubectl_WithoutCredentials_OrWithoutKubelogin_IsRefused()
    {
        using var azure = Provisioned(s => s["kubeconfig"] = null);
        var group = up.Sh.Environment["AZURE_RESOURCE_GROUP"];
        var cluster = up.Sh.Environment["AZURE_AKS_CLUSTER_NAME"];

        var none = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "rollout", "status", "deployment/web", "-n", "llmchat");
        await Az(azure, "aks", "get-credentials", "--resource-group", group, "--name", cluster, "--overwrite-existing");
        var unconverted = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "rollout", "status", "deployment/web", "-n", "llmchat");
        await azure.RunAsync(HookShell.Sh, Timeout, "kubelogin", "convert-kubeconfig", "-l", "azurecli");
        var converted = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "rollout", "status", "deployment/web", "-n", "llmchat");

        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("kubelogin", unconverted.Output, StringComparison.Ordinal);
        Assert.Equal(0, converted.ExitCode);
    }

    [Fact]
    public async Task K2_K3_AnObjectInAMissingNamespace_AndAGatewayWithoutTheCrds_AreRefused()
    {
        using var azure = ProvisionedWithout("gatewayApi");
        using var folder = new TemporaryFolder();
        var missingNamespace = Path.Combine(folder.Path, "service.yaml");
        File.WriteAllText(missingNamespace, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nowhere\n");
        var gateway = Path.Combine(folder.Path, "gateway.yaml");
        File.WriteAllText(gateway, File.ReadAllText(Path.Combine(Repository.Root, "infra", "k8s", "cluster", "gateway.tmpl.yaml")));

        var namespaced = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "apply", "--server-side", "-f", missingNamespace);
        var crds = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "apply", "--server-side", "-f", gateway);

        Assert.Contains("namespaces \"nowhere\" not found", namespaced.Output, StringComparison.Ordinal);
        Assert.Contains("no matches for kind \"Gateway\"", crds.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task K3_ASecretProviderClass_WithoutTheKeyVaultSecretsProviderAddOn_IsRefused()
    {
        using var azure = ProvisionedWithout("secretsStore");
        using var folder = new TemporaryFolder();
        var store = Path.Combine(folder.Path, "cache.yaml");
        File.WriteAllText(store, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: llmchat\n---\n" + File.ReadAllText(Path.Combine(Repository.Root, "infra", "k8s", "cluster", "cache.tmpl.yaml")));

        var result = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "apply", "--server-side", "-f", store);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no matches for kind \"SecretProviderClass\" in version \"secrets-store.csi.x-k8s.io/v1\"", result.Output, StringComparison.Ordinal);
    }

    /// <summary>A provisioned world whose clusters lack a feature the template turns on (its CRDs not installed).</summary>
    private FakeAzure ProvisionedWithout(string clusterFeature) => Provisioned(s =>
    {
        foreach (var cluster in s["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]!.AsObject().SelectMany(g => g.Value!["clusters"]?.AsObject() ?? []))
        {
            cluster.Value![clusterFeature] = false;
        }
    });

    [Fact]
    public async Task K4_UndoingADeploymentWithNoEarlierRevision_IsRefused()
    {
        using var azure = Provisioned();

        var result = await azure.RunAsync(HookShell.Sh, Timeout, "kubectl", "-n", "llmchat", "rollout", "undo", "deployment/web");

        Assert.Contains("no rollout history found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fakes_ACallTheyDoNotModel_Fails()
    {
        using var azure = Provisioned();

        var result = await Az(azure, "aks", "upgrade", "--name", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no model of", result.Output, StringComparison.Ordinal);
    }
    [Fact]
    public async Task A9_A10_FederatedSignIn_NeedsTheEnvironmentsSubject_AndRemoteState_NeedsADataRole_ThatTookEffect()
    {
        using var azure = await Delivery.WorldAsync(s =>
        {
            s["azd"] = new JsonObject { ["environments"] = new JsonObject(), ["selected"] = null };
            s["account"] = new JsonObject { ["selected"] = null, ["visible"] = new JsonArray(), ["principal"] = null };
        });
        var staging = Delivery.Staging;
        var (clientId, objectId) = Delivery.App(azure.State, staging);
        Task<HookRun> AzLogin(string id, string subject) =>
            Az(azure, "login", "--service-principal", "--username", id, "--tenant", FakeWorld.Tenant, "--federated-token", "github-oidc:" + subject);
        Task<HookRun> Azd(string? subject, params string[] arguments) => subject is null
            ? azure.RunAsync(HookShell.Sh, Timeout, "azd", arguments)
            : azure.RunProgramAsync(Timeout, "env", [$"ACTIONS_ID_TOKEN_REQUEST_URL=https://token.test/?subject={Uri.EscapeDataString(subject)}", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=t", "azd", .. arguments]);
        string[] azdLogin = ["auth", "login", "--client-id", clientId, "--federated-credential-provider", "github", "--tenant-id", FakeWorld.Tenant];
        void Roles(Func<JsonNode, bool> keep) => azure.Update(s =>
        {
            var assignments = s["subscriptions"]![FakeWorld.Subscription]!["roleAssignments"]!.AsArray();
            foreach (var assignment in assignments.Where(a => !keep(a!)).ToList())
            {
                assignments.Remove(assignment);
            }
        });

        var unknownApp = await AzLogin("00000000-0000-4000-8000-000000000000", staging.Subject);
        var productionsSubject = await AzLogin(clientId, Delivery.Production.Subject);
        var otherCase = await AzLogin(clientId, staging.Subject.Replace("staging", "Staging", StringComparison.Ordinal));
        var right = await AzLogin(clientId, staging.Subject);
        var azdWithoutToken = await Azd(null, azdLogin);
        var azdRight = await Azd(staging.Subject, azdLogin);
        await Azd(null, "config", "set", "state.remote.backend", "AzureBlobStorage");
        await Azd(null, "config", "set", "state.remote.config.accountName", Delivery.StateAccount);
        // T3: azd signed in through GitHub asks GitHub for a token at each call: without the job's variables it cannot.
        var outsideTheJob = await Azd(null, "env", "select", staging.AzdName);
        var select = await Azd(staging.Subject, "env", "select", staging.AzdName);
        azure.Update(s => s["azd"]!["environments"] = new JsonObject());
        // The app's data role, made just now: it counts only after ten minutes (T4).
        azure.Update(s =>
        {
            foreach (var assignment in s["subscriptions"]![FakeWorld.Subscription]!["roleAssignments"]!.AsArray().Where(a => a!["principalId"]!.GetValue<string>() == objectId && a["roleDefinitionName"]!.GetValue<string>() == "Storage Blob Data Contributor"))
            {
                assignment!["createdAt"] = s["clock"]!.GetValue<int>();
            }
        });
        var tooSoon = await Azd(staging.Subject, "env", "select", staging.AzdName);
        await azure.RunAsync(HookShell.Sh, Timeout, "sleep", "600");
        var tookEffect = await Azd(staging.Subject, "env", "select", staging.AzdName);
        azure.Update(s => s["azd"]!["environments"] = new JsonObject());
        Roles(a => !(a["principalId"]!.GetValue<string>() == objectId && a["roleDefinitionName"]!.GetValue<string>() == "Storage Blob Data Contributor"));
        var withoutRole = await Azd(staging.Subject, "env", "select", staging.AzdName);

        Assert.Contains("AADSTS700016", unknownApp.Output, StringComparison.Ordinal);
        Assert.Contains("AADSTS700213", productionsSubject.Output, StringComparison.Ordinal);
        Assert.Contains("AADSTS700213", otherCase.Output, StringComparison.Ordinal);
        Assert.True(right.ExitCode == 0, right.ToString());
        Assert.Contains("id-token: write", azdWithoutToken.Output, StringComparison.Ordinal);
        Assert.True(azdRight.ExitCode == 0, azdRight.ToString());
        Assert.Contains("no ACTIONS_ID_TOKEN_REQUEST_TOKEN", outsideTheJob.Output, StringComparison.Ordinal);
        Assert.True(select.ExitCode == 0, select.ToString());
        Assert.Contains("AuthorizationPermissionMismatch", tooSoon.Output, StringComparison.Ordinal);
        Assert.True(tookEffect.ExitCode == 0, tookEffect.ToString());
        Assert.Contains("AuthorizationPermissionMismatch", withoutRole.Output, StringComparison.Ordinal);
    }
}
