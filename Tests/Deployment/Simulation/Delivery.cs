using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tests.Deployment.Simulation;

/// <summary>
/// The delivery world the GitHub workflows run in, made by running the one-time bootstrap of docs/deploy.md as it is
/// written (the bash block between its <c>bootstrap:begin</c> and <c>bootstrap:end</c> markers) against the fakes, as
/// an admin of the tenant: one deployment app per GitHub environment, federated with that environment only, without
/// any Microsoft Graph permission; azd's remote state in a storage account; both azd environments provisioned, hooks
/// and all; the repository's variables set with gh. Bootstrapped once and copied for each scenario.
/// </summary>
public static partial class Delivery
{
    public const string Repository = "contoso/llmchat";
    public const string StateAccount = "stllmchatstate";
    public const string StateContainer = "llmchat";
    public const string AdminObjectId = "7b6a5c4d-0000-4000-8000-0000000000bb";
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(12);

    /// <summary>The GitHub environments and their azd environments and hosts.</summary>
    public static readonly IReadOnlyList<DeliveryEnvironment> Environments =
    [
        new("staging", "llmchat-staging", "staging.chat.contoso.com", "s7a9g1"),
        new("production", "llmchat-production", "chat.contoso.com", "p4r0d2"),
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

    /// <summary>The bootstrap block of docs/deploy.md, with the values a reader fills in.</summary>
    public static string BootstrapScript()
    {
        var doc = File.ReadAllText(Path.Combine(global::Tests.Deployment.Repository.Root, "docs", "deploy.md"));
        var block = BootstrapBlock().Match(doc);
        if (!block.Success)
        {
            throw new InvalidOperationException("docs/deploy.md has no bootstrap block between its bootstrap:begin and bootstrap:end markers.");
        }

        return block.Groups[1].Value.Replace("subscription=<subscription id>", $"subscription={FakeWorld.Subscription}", StringComparison.Ordinal);
    }

    /// <summary>The admin's bootstrap, run from the docs as they are, with its run (to check it worked).</summary>
    public static async Task<Bootstrapped> BootstrapAsync()
    {
        var template = await AzdProvision.CompileAsync();
        using var azure = new FakeAzure(FakeWorld.Ready, new Dictionary<string, string>());
        azure.Update(state =>
        {
            state["azd"] = new JsonObject { ["environments"] = new JsonObject(), ["selected"] = null };
            state["account"]!["principal"] = new JsonObject { ["objectId"] = AdminObjectId, ["type"] = "User", ["graph"] = "full", ["name"] = "admin@contoso.com" };
        });

        var plans = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var environment in Environments)
        {
            plans[environment.AzdName] = environment.Plan(template);
            azure.WriteProvision(plans[environment.AzdName], environment.AzdName);
        }

        using var folder = new TemporaryFolder();
        var script = Path.Combine(folder.Path, "bootstrap.sh");
        await File.WriteAllTextAsync(script, BootstrapScript());
        var run = await azure.RunProgramAsync(Timeout, "bash", "--noprofile", "--norc", "-eo", "pipefail", script);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException("The bootstrap of docs/deploy.md failed: " + run);
        }

        return new Bootstrapped(azure.State, plans, run);
    }

    /// <summary>The azd environments in remote state, by name.</summary>
    public static JsonObject RemoteEnvironments(JsonNode state) =>
        state["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]!["rg-llmchat-delivery"]!["storageAccounts"]![StateAccount]!["containers"]![StateContainer]!["azdEnvironments"]!.AsObject();

    /// <summary>The values an azd environment holds in remote state.</summary>
    public static IReadOnlyDictionary<string, string> RemoteEnvironment(JsonNode state, string azdName) =>
        RemoteEnvironments(state)[azdName]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);

    /// <summary>The AKS cluster an environment's provision created.</summary>
    public static JsonNode Cluster(JsonNode state, DeliveryEnvironment environment) =>
        state["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]![environment.ResourceGroup]!["clusters"]![environment.ClusterName]!;

    /// <summary>The releases <c>azd deploy</c> made, in order: environment, service, commit.</summary>
    public static IReadOnlyList<(string Environment, string Service, string? Commit)> Releases(JsonNode state) =>
        [.. state["azd"]?["deployments"]?.AsArray().Select(d => (d!["environment"]!.GetValue<string>(), d["service"]!.GetValue<string>(), d["commit"]?.GetValue<string>())) ?? []];

    /// <summary>A GitHub variable of the repository (or of one of its environments), as the bootstrap set it with gh.</summary>
    public static string Variable(JsonNode state, string name, string? environment = null) =>
        (environment is null ? state["github"]!["variables"]!["repository"]![name] : state["github"]!["variables"]!["environments"]![environment]![name])!.GetValue<string>();

    /// <summary>An environment's deployment app: its client id (the environment's AZURE_CLIENT_ID) and its service principal's object id.</summary>
    public static (string ClientId, string ObjectId) App(JsonNode state, DeliveryEnvironment environment)
    {
        var clientId = Variable(state, "AZURE_CLIENT_ID", environment.Name);
        var principal = state["tenants"]![FakeWorld.Tenant]!["servicePrincipals"]![clientId]!["id"]!.GetValue<string>();
        return (clientId, principal);
    }

    [GeneratedRegex(@"<!-- bootstrap:begin[^\n]*-->\s*```bash\n(.*?)```\s*<!-- bootstrap:end -->", RegexOptions.Singleline)]
    private static partial Regex BootstrapBlock();

    public sealed record Bootstrapped(JsonNode State, IReadOnlyDictionary<string, JsonNode> Plans, HookRun Run);
}

/// <summary>A GitHub environment and its azd environment (its resources named with <paramref name="Token"/>).</summary>
public sealed record DeliveryEnvironment(string Name, string AzdName, string Host, string Token)
{
    public string ResourceGroup => $"rg-{AzdName}";

    public string ClusterName => $"aks-{Token}";

    /// <summary>The subject GitHub puts in a job's OIDC token for this environment.</summary>
    public string Subject => $"repo:{Delivery.Repository}:environment:{Name}";

    /// <summary>What this environment's Bicep deployment creates: the default plan's resources, named for this environment.</summary>
    public JsonNode Plan(JsonNode template) => JsonNode.Parse(AzdProvision.Plan(template).ToJsonString()
        .Replace("x7k2p9", Token, StringComparison.Ordinal)
        .Replace("rg-llmchat-test", ResourceGroup, StringComparison.Ordinal))!;
}
