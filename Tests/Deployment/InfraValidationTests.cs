using System.Text.Json;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Tests.Deployment;

/// <summary>
/// The deployment proven offline by real tools: the Bicep compiler and linter, the Kubernetes and KEDA schemas, a
/// strict unknown-field check against the Kubernetes API types, kustomize, azd's schema, and a drift check.
/// </summary>
public sealed class InfraValidationTests(GeneratedDeployment generated) : IClassFixture<GeneratedDeployment>
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    public static TheoryData<string> BicepFiles() => [.. new[] { "infra/main.bicep" }.Concat(Repository.Files("infra/modules", "*.bicep").Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/')))];

    public static TheoryData<string> ManifestFiles() => [.. Repository.Files("infra/k8s", "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'))];

    public static TheoryData<string> KustomizeFolders() => [.. Directory.GetDirectories(Path.Combine(Repository.Root, "infra", "k8s")).Order(StringComparer.Ordinal).Select(d => Path.GetRelativePath(Repository.Root, d).Replace('\\', '/'))];

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Bicep_BuildsAndLintsWithoutAWarning(string file)
    {
        var build = await Repository.RunAsync(Repository.BicepPath, ["build", file, "--stdout"], ToolTimeout);
        var lint = await Repository.RunAsync(Repository.BicepPath, ["lint", file], ToolTimeout);

        Assert.True(build.ExitCode == 0, build.Output);
        Assert.True(lint.ExitCode == 0, lint.Output);
        var diagnostics = (build.Output + lint.Output).Split('\n').Where(l => l.Contains(" : Warning ", StringComparison.Ordinal) || l.Contains(" : Error ", StringComparison.Ordinal)).ToList();
        Assert.True(diagnostics.Count == 0, string.Join('\n', diagnostics));
    }

    [Fact]
    public async Task Bicep_MainDeclaresTheOutputsAzdNeeds()
    {
        var build = await Repository.RunAsync(Repository.BicepPath, ["build", "infra/main.bicep", "--stdout"], ToolTimeout);
        var template = JsonDocument.Parse(build.Output[build.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var outputs = template.GetProperty("outputs");

        foreach (var name in new[] { "AZURE_AKS_CLUSTER_NAME", "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_KEY_VAULT_ENDPOINT", "AZURE_TABLES_ENDPOINT", "AZURE_API_IDENTITY_CLIENT_ID", "AZURE_WEB_IDENTITY_CLIENT_ID", "AZURE_KEDA_IDENTITY_CLIENT_ID", "AZURE_PROMETHEUS_QUERY_ENDPOINT" })
        {
            Assert.True(outputs.TryGetProperty(name, out _), $"main.bicep has no output {name}.");
        }

        Assert.Equal("subscription", template.GetProperty("$schema").GetString()!.Contains("subscriptionDeploymentTemplate", StringComparison.Ordinal) ? "subscription" : "other");
        foreach (var parameter in template.GetProperty("parameters").EnumerateObject())
        {
            Assert.True(parameter.Value.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("description", out _), $"Parameter {parameter.Name} has no @description.");
        }
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public async Task Kubernetes_Manifest_ValidatesAgainstTheKubernetesAndKedaSchemas(string file)
    {
        var (exitCode, output) = await Repository.RunAsync("node", [Repository.Validator, "k8s", file], ToolTimeout);
        var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        Assert.Equal(0, exitCode);
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public async Task Kubernetes_CoreObjects_HaveNoFieldUnknownToTheApi(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, file), TestContext.Current.CancellationToken);
        var checkedObjects = 0;
        foreach (var document in text.Split("\n---\n"))
        {
            var kind = KindOf(document);
            if (!CoreTypes.TryGetValue(kind, out var type))
            {
                // KEDA objects: their CRD schema is checked by the validator above.
                continue;
            }

            // Strict: an unmatched property is an error, not silently dropped.
            var typed = DeserializeStrict.MakeGenericMethod(type).Invoke(null, [document, true])!;
            var roundTripped = KubernetesYaml.Serialize(typed);
            var missing = Paths(document).Except(Paths(roundTripped)).ToList();
            Assert.True(missing.Count == 0, $"{file} {kind}: fields unknown to the Kubernetes API: {string.Join(", ", missing)}");
            checkedObjects++;
        }

        Assert.True(checkedObjects > 0 || text.Contains("keda.sh", StringComparison.Ordinal), $"{file} holds no object to check.");
    }

    [Theory]
    [MemberData(nameof(KustomizeFolders))]
    public async Task Kustomize_Folder_Renders(string folder)
    {
        if (Repository.FindOnPath("kubectl") is not { } kubectl)
        {
            Assert.Skip("kubectl is not installed; `kubectl kustomize` cannot run here.");
            return;
        }

        var (exitCode, output) = await Repository.RunAsync(kubectl, ["kustomize", folder], ToolTimeout);

        Assert.True(exitCode == 0, output);
        Assert.Contains("kind: ", output);
    }

    [Fact]
    public async Task AzureYaml_ValidatesAgainstTheAzdSchema()
    {
        if (Repository.AzdSchema is not { } schema)
        {
            Assert.Skip("azd's schema (../shared/schemas/azd-azure.yaml.v1.0.schema.json) is not on this machine.");
            return;
        }

        var (exitCode, output) = await Repository.RunAsync("node", [Repository.Validator, "azd", schema, "azure.yaml"], ToolTimeout);
        var result = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public void Generated_Deployment_MatchesTheCommittedFiles()
    {
        var drifted = new List<string>();
        foreach (var (path, content) in generated.Files)
        {
            var full = Path.Combine(Repository.Root, path);
            if (!File.Exists(full) || File.ReadAllText(full) != content)
            {
                drifted.Add(path);
            }
        }

        var committedManifests = Repository.Files("infra/k8s", "*.yaml").Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'));
        drifted.AddRange(committedManifests.Where(f => !generated.Files.ContainsKey(f)).Select(f => f + " (no longer generated)"));

        Assert.True(drifted.Count == 0, "The committed deployment differs from what the AppHost generates. Run `dotnet run --project AppHost -- --operation publish --step publish-aks` and commit: " + string.Join(", ", drifted));
    }

    private static readonly System.Reflection.MethodInfo DeserializeStrict = typeof(KubernetesYaml).GetMethods()
        .Single(m => m.Name == nameof(KubernetesYaml.Deserialize) && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType.Name: "String" }, { ParameterType.Name: "Boolean" }]);

    private static readonly Dictionary<string, Type> CoreTypes = new(StringComparer.Ordinal)
    {
        ["Namespace"] = typeof(V1Namespace),
        ["ServiceAccount"] = typeof(V1ServiceAccount),
        ["Deployment"] = typeof(V1Deployment),
        ["DaemonSet"] = typeof(V1DaemonSet),
        ["Service"] = typeof(V1Service),
        ["PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler),
        ["Ingress"] = typeof(V1Ingress),
        ["NetworkPolicy"] = typeof(V1NetworkPolicy),
        ["ConfigMap"] = typeof(V1ConfigMap),
        ["CronJob"] = typeof(V1CronJob),
    };

    private static string KindOf(string document) =>
        document.Split('\n').FirstOrDefault(l => l.StartsWith("kind: ", StringComparison.Ordinal))?[6..].Trim() ?? string.Empty;

    /// <summary>Every mapping key, as a path (list items share the path of their list).</summary>
    private static HashSet<string> Paths(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var paths = new HashSet<string>(StringComparer.Ordinal);
        void Walk(YamlNode node, string prefix)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        var path = $"{prefix}/{((YamlScalarNode)key).Value}";
                        // Label, annotation and data keys are free-form maps, not API fields.
                        if (prefix.EndsWith("/labels", StringComparison.Ordinal) || prefix.EndsWith("/annotations", StringComparison.Ordinal) || prefix.EndsWith("/matchLabels", StringComparison.Ordinal)
                            || prefix.EndsWith("/nodeSelector", StringComparison.Ordinal) || prefix == "/data" || prefix.EndsWith("/limits", StringComparison.Ordinal) || prefix.EndsWith("/requests", StringComparison.Ordinal) || prefix.EndsWith("/selector", StringComparison.Ordinal) && prefix.Count(c => c == '/') == 2)
                        {
                            continue;
                        }

                        paths.Add(path);
                        Walk(value, path);
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var item in sequence.Children)
                    {
                        Walk(item, prefix + "[]");
                    }

                    break;
            }
        }

        foreach (var document in stream.Documents)
        {
            Walk(document.RootNode, string.Empty);
        }

        return paths;
    }
}
