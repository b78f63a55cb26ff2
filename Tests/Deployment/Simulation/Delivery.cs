using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>
/// The delivery world the GitHub workflows run in: the two azd environments an admin bootstrapped (docs/deploy.md,
/// "One-time bootstrap") in remote state, each with its own resource group, cluster and host; one deployment app per
/// GitHub environment, federated with that environment only, without any Microsoft Graph permission, allowed to read
/// and write the remote state. Bootstrapped once (the admin's <c>azd provision</c> of both environments, hooks and
/// all) and copied for each scenario.
/// </summary>
public static class Delivery
{
    public const string Repository = "contoso/llmchat";
    public const string StateAccount = "stllmchatstate";
    public const string AdminObjectId = "7b6a5c4d-0000-4000-8000-0000000000bb";
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(12);

    /// <summary>The GitHub environments, their azd environments, hosts and deployment apps.</summary>
    public static readonly IReadOnlyList<DeliveryEnvironment> Environments =
    [
        new("staging", "llmchat-staging", "staging.chat.contoso.com", "5a1e0000-0000-4000-8000-00000000005a", "5a1e0000-0000-4000-8000-0000000000ab", "s7a9g1"),
        new("production", "llmchat-production", "chat.contoso.com", "9d0c0000-0000-4000-8000-00000000009d", "9d0c0000-0000-4000-8000-0000000000ab", "p4r0d2"),
    ];

    public static DeliveryEnvironment Staging => Environments[0];

    public static DeliveryEnvironment Production => Environments[1];

    private static readonly Lazy<Task<Bootstrapped>> Once = new(BootstrapAsync);

    /// <summary>A fresh copy of the bootstrapped world.</summary>
    public static async Task<FakeAzure> WorldAsync(Action<JsonNode>? change = null)
    {
        var bootstrapped = await Once.Value;
        var state = bootstrapped.State.DeepClone();
        change?.Invoke(state);
        var azure = new FakeAzure(state);
        foreach (var (name, plan) in bootstrapped.Plans)
        {
            azure.WriteProvision(plan, name);
        }

        return azure;
    }

    /// <summary>The admin's bootstrap, as docs/deploy.md tells it, with its runs (to check it worked).</summary>
    public static async Task<Bootstrapped> BootstrapAsync()
    {
        var template = await AzdProvision.CompileAsync();
        using var azure = new FakeAzure(FakeWorld.Ready, new Dictionary<string, string>());
        azure.Update(state =>
        {
            state["azd"] = new JsonObject { ["environments"] = new JsonObject(), ["selected"] = null };
            // The state account and its container, with Storage Blob Data Contributor for the admin and each deployment app.
            state["remoteState"] = new JsonObject
            {
                [StateAccount] = new JsonObject
                {
                    ["principals"] = new JsonArray([AdminObjectId, .. Environments.Select(e => e.ObjectId)]),
                    ["environments"] = new JsonObject(),
                },
            };
            state["principals"] = new JsonObject([.. Environments.Select(e => KeyValuePair.Create(e.ClientId, (JsonNode?)e.App()))]);
        });

        var plans = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        var runs = new List<HookRun>
        {
            await azure.RunAsync(HookShell.Sh, Timeout, "azd", "config", "set", "state.remote.backend", "AzureBlobStorage"),
            await azure.RunAsync(HookShell.Sh, Timeout, "azd", "config", "set", "state.remote.config.accountName", StateAccount),
        };
        foreach (var environment in Environments)
        {
            plans[environment.AzdName] = environment.Plan(template);
            azure.WriteProvision(plans[environment.AzdName], environment.AzdName);
            runs.Add(await azure.RunAsync(HookShell.Sh, Timeout, "azd", "env", "new", environment.AzdName, "--subscription", FakeWorld.Subscription, "--location", FakeWorld.Region));
            runs.Add(await azure.RunAsync(HookShell.Sh, Timeout, "azd", "env", "set", "WEB_HOSTNAME", environment.Host));
            runs.Add(await azure.RunAsync(HookShell.Sh, Timeout, "azd", "provision", "--no-prompt"));
        }

        if (runs.FirstOrDefault(r => r.ExitCode != 0) is { } failed)
        {
            throw new InvalidOperationException("The bootstrap failed: " + failed);
        }

        return new Bootstrapped(azure.State, plans, runs);
    }

    /// <summary>The values an azd environment holds in remote state.</summary>
    public static IReadOnlyDictionary<string, string> RemoteEnvironment(JsonNode state, string azdName) =>
        state["remoteState"]![StateAccount]!["environments"]![azdName]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);

    /// <summary>The AKS cluster an environment's provision created.</summary>
    public static JsonNode Cluster(JsonNode state, DeliveryEnvironment environment) =>
        state["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]![environment.ResourceGroup]!["clusters"]![environment.ClusterName]!;

    /// <summary>The releases <c>azd deploy</c> made, in order: environment, service, commit.</summary>
    public static IReadOnlyList<(string Environment, string Service, string? Commit)> Releases(JsonNode state) =>
        [.. state["azd"]?["deployments"]?.AsArray().Select(d => (d!["environment"]!.GetValue<string>(), d["service"]!.GetValue<string>(), d["commit"]?.GetValue<string>())) ?? []];

    public sealed record Bootstrapped(JsonNode State, IReadOnlyDictionary<string, JsonNode> Plans, IReadOnlyList<HookRun> Runs);
}

/// <summary>A GitHub environment, its azd environment and the deployment app federated with it.</summary>
public sealed record DeliveryEnvironment(string Name, string AzdName, string Host, string ClientId, string ObjectId, string Token)
{
    public string ResourceGroup => $"rg-{AzdName}";

    public string ClusterName => $"aks-{Token}";

    /// <summary>The subject GitHub puts in a job's OIDC token for this environment.</summary>
    public string Subject => $"repo:{Delivery.Repository}:environment:{Name}";

    /// <summary>The deployment app as Entra holds it: federated with this environment's jobs, no Graph permission.</summary>
    public JsonObject App() => new()
    {
        ["tenantId"] = FakeWorld.Tenant,
        ["objectId"] = ObjectId,
        ["graph"] = "none",
        ["federatedSubjects"] = new JsonArray(Subject),
        ["subscriptions"] = new JsonArray(FakeWorld.Subscription),
    };

    /// <summary>What this environment's Bicep deployment creates: the default plan's resources, named for this environment.</summary>
    public JsonNode Plan(JsonNode template) => JsonNode.Parse(AzdProvision.Plan(template).ToJsonString()
        .Replace("x7k2p9", Token, StringComparison.Ordinal)
        .Replace("rg-llmchat-test", ResourceGroup, StringComparison.Ordinal))!;

    /// <summary>The GitHub variables set on this environment.</summary>
    public JsonObject Variables() => new() { ["AZURE_CLIENT_ID"] = ClientId };
}
