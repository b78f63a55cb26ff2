using System.Text.Json;
using k8s;
using k8s.Models;
using Tests.Deployment.Simulation;
using YamlDotNet.RepresentationModel;

namespace Tests.Deployment;

/// <summary>
/// The deployment proven offline by real tools: the Bicep compiler and linter; and, on exactly the objects azd and
/// the postprovision hook send (rendered as they render them), the Kubernetes and KEDA schemas, a strict
/// unknown-field check against the Kubernetes API types and kubectl's own parser (kustomize); azd's schema; drift.
/// </summary>
[Collection(AzdUpCollection.Name)]
public sealed class InfraValidationTests(GeneratedDeployment generated, AzdUpSimulation up) : IClassFixture<GeneratedDeployment>
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    public static TheoryData<string> BicepFiles() => [.. new[] { "infra/main.bicep" }.Concat(Repository.Files("infra/modules", "*.bicep").Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/')))];


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

        foreach (var name in new[] { "AZURE_AKS_CLUSTER_NAME", "AZURE_AKS_OIDC_ISSUER_URL", "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_KEY_VAULT_ENDPOINT", "AZURE_TABLES_ENDPOINT", "AZURE_API_IDENTITY_CLIENT_ID", "AZURE_WEB_IDENTITY_CLIENT_ID", "AZURE_KEDA_IDENTITY_CLIENT_ID", "AZURE_PROMETHEUS_QUERY_ENDPOINT" })
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
    [InlineData(HookShell.Sh)]
    [InlineData(HookShell.Pwsh)]
    public async Task Kubernetes_WhatReachesTheCluster_ValidatesAgainstTheKubernetesAndKedaSchemas(HookShell shell)
    {
        using var folder = Rendered(up.In(shell).Cluster);
        var files = Directory.GetFiles(folder.Path).Order(StringComparer.Ordinal).ToList();

        var (exitCode, output) = await Repository.RunAsync("node", [Repository.Validator, "k8s", .. files], ToolTimeout);
        var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal(files.Count, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Kubernetes_SchemaValidator_RefusesAnInjectedField()
    {
        var deployment = up.Sh.Cluster.Single(o => o is { Kind: "Deployment", Name: "api" });
        using var folder = Rendered([deployment with { Text = deployment.Text.Replace("revisionHistoryLimit: 5", "revisionHistoryLimit: five", StringComparison.Ordinal) }]);

        var (exitCode, _) = await Repository.RunAsync("node", [Repository.Validator, "k8s", .. Directory.GetFiles(folder.Path)], ToolTimeout);

        Assert.NotEqual(0, exitCode);
    }

    /// <summary>
    /// The Secrets Store CSI driver's SecretProviderClass has no models package: the validator checks it against its
    /// CRD's structural schema (Tests/Infra/validation/crds). A parameter that is not a string, or a field the CRD does
    /// not have (the API server would drop it), is refused.
    /// </summary>
    [Theory]
    [InlineData("usePodIdentity: \"false\"", "usePodIdentity: false")]
    [InlineData("  provider: azure", "  provider: azure\n  objects: []")]
    public async Task Kubernetes_SchemaValidator_RefusesASecretProviderClassTheCrdRefuses(string from, string to)
    {
        var providerClass = up.Sh.Cluster.Single(o => o is { Kind: "SecretProviderClass", Name: "cache-password" });
        Assert.Contains(from, providerClass.Text, StringComparison.Ordinal);
        using var good = Rendered([providerClass]);
        using var bad = Rendered([providerClass with { Text = providerClass.Text.Replace(from, to, StringComparison.Ordinal) }]);

        var (goodExit, _) = await Repository.RunAsync("node", [Repository.Validator, "k8s", .. Directory.GetFiles(good.Path)], ToolTimeout);
        var (badExit, output) = await Repository.RunAsync("node", [Repository.Validator, "k8s", .. Directory.GetFiles(bad.Path)], ToolTimeout);

        Assert.Equal(0, goodExit);
        Assert.NotEqual(0, badExit);
        Assert.Contains("\"ok\":false", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_CoreObjects_HaveNoFieldUnknownToTheApi()
    {
        var unknown = up.Sh.Cluster.Concat(up.Pwsh.Cluster).SelectMany(UnknownFields).ToList();

        Assert.True(unknown.Count == 0, string.Join('\n', unknown));
        Assert.Contains(up.Sh.Cluster, o => CoreTypes.ContainsKey(o.Kind));
    }

    [Fact]
    public void Kubernetes_UnknownFieldCheck_FindsAnInjectedField()
    {
        var service = up.Sh.Cluster.Single(o => o is { Kind: "Service", Name: "ollama-chat" });

        var unknown = UnknownFields(service with { Text = service.Text.Replace("  type: ClusterIP", "  type: ClusterIP\n  exposeExternally: true", StringComparison.Ordinal) });

        Assert.Contains(unknown, u => u.Contains("exposeExternally", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kubernetes_WhatReachesTheCluster_ParsesWithKubectl()
    {
        if (Repository.FindOnPath("kubectl") is not { } kubectl)
        {
            Assert.Skip("kubectl is not installed; its parser (`kubectl kustomize`) cannot run here.");
            return;
        }

        using var folder = Rendered(up.Sh.Cluster);
        var names = Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "kustomization.yaml"), "resources:\n" + string.Concat(names.Select(n => $"- {n}\n")), TestContext.Current.CancellationToken);

        var (exitCode, output) = await Repository.RunAsync(kubectl, ["kustomize", folder.Path], ToolTimeout);

        Assert.True(exitCode == 0, output);
        Assert.Equal(up.Sh.Cluster.Count, output.Split("\n---\n").Length);
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

        // azd applies every YAML file under a service's folder: one the model does not generate would reach the cluster.
        var committedManifests = Repository.Files("infra/k8s", "*.y*ml").Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'));
        drifted.AddRange(committedManifests.Where(f => !generated.Files.ContainsKey(f)).Select(f => f + " (not generated)"));

        Assert.True(drifted.Count == 0, "The committed deployment differs from what the AppHost generates. Run `dotnet run --project AppHost -- --operation publish --step publish-aks` and commit: " + string.Join(", ", drifted));
    }

    [Fact]
    public void Hosting_StandIns_NeverCallTheDeploymentCode()
    {
        // Replacing a stand-in by the official package is deleting its folder: nothing in it may lead into AppHost/Deployment.
        var offending = Repository.Files("AppHost/Hosting", "*.cs")
            .Where(f => File.ReadAllText(f).Contains("AppHost.Deployment", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repository.Root, f)).ToList();

        Assert.Empty(offending);
    }

    private static TemporaryFolder Rendered(IEnumerable<ClusterObject> objects)
    {
        var folder = new TemporaryFolder();
        var i = 0;
        foreach (var o in objects)
        {
            File.WriteAllText(Path.Combine(folder.Path, $"{i++:D3}-{o.Kind.ToLowerInvariant()}-{o.Name}.yaml"), o.Text.TrimEnd('\n') + "\n");
        }

        return folder;
    }

    private static IEnumerable<string> UnknownFields(ClusterObject o)
    {
        if (!CoreTypes.TryGetValue(o.Kind, out var type))
        {
            // KEDA objects: their CRD schema is checked by the validator.
            return [];
        }

        // Strict: an unmatched property is an error, not silently dropped.
        try
        {
            var typed = DeserializeStrict.MakeGenericMethod(type).Invoke(null, [o.Text, true])!;
            var roundTripped = KubernetesYaml.Serialize(typed);
            return Paths(o.Text).Except(Paths(roundTripped)).Select(path => $"{o}: {path} is unknown to the Kubernetes API");
        }
        catch (System.Reflection.TargetInvocationException ex)
        {
            return [$"{o}: {ex.InnerException?.Message}"];
        }
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
