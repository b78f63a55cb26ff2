using k8s;
using YamlDotNet.RepresentationModel;

namespace Tests.Deployment.Simulation;

/// <summary>One object sent to the cluster: where it came from, its text, and its identity.</summary>
public sealed record ClusterObject(string Source, string Text, string ApiVersion, string Kind, string Name, string? Namespace)
{
    /// <summary>Splits a multi-document YAML text (as <c>kubectl apply</c> reads it) into objects.</summary>
    public static IEnumerable<ClusterObject> Parse(string source, string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var texts = yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n---\n");
        var index = 0;
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root || root.Children.Count == 0)
            {
                index++;
                continue;
            }

            var metadata = root.Children.TryGetValue("metadata", out var node) ? node as YamlMappingNode : null;
            yield return new ClusterObject(
                source,
                texts.Length == stream.Documents.Count ? texts[index] : KubernetesYaml.Serialize(root),
                Value(root, "apiVersion") ?? string.Empty,
                Value(root, "kind") ?? string.Empty,
                metadata is null ? string.Empty : Value(metadata, "name") ?? string.Empty,
                metadata is null ? null : Value(metadata, "namespace"));
            index++;
        }
    }

    public T As<T>() => KubernetesYaml.Deserialize<T>(Text);

    /// <summary>The object as JSON, for kinds the Kubernetes client has no type for (Gateway API, KEDA).</summary>
    public System.Text.Json.Nodes.JsonNode Json()
    {
        var value = new YamlDotNet.Serialization.DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object>(Text);
        return System.Text.Json.Nodes.JsonNode.Parse(new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build().Serialize(value))!;
    }

    public override string ToString() => $"{Kind}/{Name}{(Namespace is null ? string.Empty : " in " + Namespace)} ({Source})";

    private static string? Value(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
