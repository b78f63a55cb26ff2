using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>
/// <c>azd up</c> played in one shell with the real hooks, the compiled Bicep's outputs and azd's deploy rules:
/// preprovision, provision (parameters in, outputs out), postprovision, deploy; then both hooks a second time, as
/// a re-run of <c>azd up</c> would. What reached the cluster is every manifest the hooks applied plus azd's.
/// </summary>
public sealed record AzdUpRun(
    HookShell Shell,
    HookRun Preprovision,
    IReadOnlyList<string> MissingParameters,
    HookRun Postprovision,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<AppliedManifest> Deployed,
    IReadOnlyList<ClusterObject> Cluster,
    JsonNode Azure,
    HookRun SecondPreprovision,
    HookRun SecondPostprovision,
    IReadOnlyDictionary<string, string> EnvironmentAfterSecondRun)
{
    private static readonly TimeSpan HookTimeout = TimeSpan.FromMinutes(2);

    /// <summary>What a user sets before <c>azd up</c>, and what azd sets itself.</summary>
    public static readonly IReadOnlyDictionary<string, string> UserEnvironment = new Dictionary<string, string>
    {
        ["AZURE_ENV_NAME"] = "llmchat-test",
        ["AZURE_LOCATION"] = "westeurope",
        ["AZURE_SUBSCRIPTION_ID"] = "3f2c1a9e-0000-4000-8000-0000000000aa",
        ["AZURE_PRINCIPAL_ID"] = "7b6a5c4d-0000-4000-8000-0000000000bb",
        ["WEB_HOSTNAME"] = "chat.contoso.com",
    };

    public static async Task<AzdUpRun> PlayAsync(HookShell shell, IReadOnlyList<string> outputNames)
    {
        using var azure = new FakeAzure(UserEnvironment);
        var preprovision = await azure.RunAsync("preprovision", shell, HookTimeout);
        var afterPreprovision = azure.Environment();
        var missing = AzdProvision.MissingParameters(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")), afterPreprovision);

        azure.SetEnvironment(Merge(afterPreprovision, AzdProvision.Outputs(outputNames)));
        var postprovision = await azure.RunAsync("postprovision", shell, HookTimeout);
        var environment = azure.Environment();

        var project = AzdProject.Load(Repository.Root);
        var deployEnvironment = Merge(environment, AzdDeploy.PushedImages(project, environment.GetValueOrDefault("AZURE_CONTAINER_REGISTRY_ENDPOINT", "missing"), environment["AZURE_ENV_NAME"]));
        var deployed = preprovision.ExitCode == 0 && postprovision.ExitCode == 0 ? AzdDeploy.Simulate(project, deployEnvironment) : [];

        var secondPreprovision = await azure.RunAsync("preprovision", shell, HookTimeout);
        var secondPostprovision = await azure.RunAsync("postprovision", shell, HookTimeout);

        return new AzdUpRun(shell, preprovision, missing, postprovision, deployEnvironment, deployed, ClusterState(postprovision, deployed), azure.State, secondPreprovision, secondPostprovision, azure.Environment());
    }

    /// <summary>The objects as the API server would hold them: each apply replaces the object of the same kind, namespace and name.</summary>
    public static IReadOnlyList<ClusterObject> ClusterState(HookRun postprovision, IEnumerable<AppliedManifest> deployed)
    {
        var applied = postprovision.Calls
            .Where(c => c.Is("kubectl apply"))
            .SelectMany(c => c.Files.Values.SelectMany(text => ClusterObject.Parse("postprovision", text)))
            .Concat(deployed.SelectMany(d => ClusterObject.Parse(d.File, d.Text)));
        var state = new Dictionary<(string, string?, string), ClusterObject>();
        foreach (var o in applied)
        {
            state[(o.Kind, o.Namespace, o.Name)] = o;
        }

        return [.. state.Values];
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> first, IReadOnlyDictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }

        return merged;
    }
}
