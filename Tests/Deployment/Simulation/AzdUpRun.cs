using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>One file azd applied for a service: the file, and whether azd templated it.</summary>
public sealed record AppliedManifest(string Service, string File, bool Templated);

/// <summary>
/// <c>azd up</c> played against the fake cloud: <c>azd provision</c> (the real hooks, run by the fake azd from
/// azure.yaml in the shell's form, around the compiled template's outputs and resources), then <c>azd deploy</c>
/// (azd's template rule, the manifests applied to the fake cluster), then a second <c>azd provision</c>, as a re-run of
/// <c>azd up</c> would make. What reached the cluster is what the fake API server holds.
/// </summary>
public sealed record AzdUpRun(
    HookShell Shell,
    HookRun Provision,
    IReadOnlyList<string> MissingParameters,
    HookRun Deploy,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<AppliedManifest> Deployed,
    IReadOnlyList<ClusterObject> Cluster,
    JsonNode Azure,
    HookRun SecondProvision,
    IReadOnlyDictionary<string, string> EnvironmentAfterSecondRun)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    public HookRun Preprovision => Provision.Hook("preprovision");

    public HookRun Postprovision => Provision.Hook("postprovision");

    public HookRun SecondPreprovision => SecondProvision.Hook("preprovision");

    public HookRun SecondPostprovision => SecondProvision.Hook("postprovision");

    /// <summary>What a user sets before <c>azd up</c>, and what azd sets itself.</summary>
    public static readonly IReadOnlyDictionary<string, string> UserEnvironment = new Dictionary<string, string>
    {
        ["AZURE_ENV_NAME"] = "llmchat-test",
        ["AZURE_LOCATION"] = FakeWorld.Region,
        ["AZURE_SUBSCRIPTION_ID"] = FakeWorld.Subscription,
        ["AZURE_PRINCIPAL_ID"] = "7b6a5c4d-0000-4000-8000-0000000000bb",
        ["WEB_HOSTNAME"] = "chat.contoso.com",
    };

    public static async Task<AzdUpRun> PlayAsync(HookShell shell, JsonNode template)
    {
        using var azure = new FakeAzure(FakeWorld.Ready, UserEnvironment);
        azure.WriteProvision(AzdProvision.Plan(template));
        var provision = await azure.RunAsync(shell, Timeout, "azd", "provision", "--no-prompt");
        var environment = azure.Environment();
        var missing = AzdProvision.MissingParameters(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")), environment);
        var deploy = await azure.RunAsync(shell, Timeout, "azd", "deploy", "--no-prompt");
        var deployed = azure.State["azd"]?["applied"]?.AsArray().Select(a => new AppliedManifest(a!["service"]!.GetValue<string>(), a["file"]!.GetValue<string>(), a["templated"]!.GetValue<bool>())).ToList() ?? [];
        var afterDeploy = azure.Environment();
        var cluster = ClusterState(azure.State);
        var second = await azure.RunAsync(shell, Timeout, "azd", "provision", "--no-prompt");
        return new AzdUpRun(shell, provision, missing, deploy, afterDeploy, deployed, cluster, azure.State, second, azure.Environment());
    }

    /// <summary>The objects the fake API server holds (each apply replaced the object of the same kind, namespace and name).</summary>
    public static IReadOnlyList<ClusterObject> ClusterState(JsonNode state)
    {
        var clusters = state["subscriptions"]!.AsObject().SelectMany(s => s.Value!["resourceGroups"]!.AsObject())
            .SelectMany(g => g.Value!["clusters"]?.AsObject() ?? []).Select(c => c.Value!);
        return [.. clusters.SelectMany(c => c["objects"]?.AsObject() ?? [])
            .SelectMany(o => ClusterObject.Parse(o.Value!["source"]!.GetValue<string>(), o.Value["text"]!.GetValue<string>()))];
    }
}
