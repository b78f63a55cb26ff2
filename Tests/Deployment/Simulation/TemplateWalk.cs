using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tests.Deployment.Simulation;

/// <summary>One resource of a compiled template, with every condition it is deployed under (its own and its modules').</summary>
public sealed record WalkedResource(JsonNode Resource, IReadOnlyList<string> Conditions, IReadOnlyDictionary<string, string> ParameterRoots)
{
    public string Type => Resource["type"]?.GetValue<string>() ?? string.Empty;

    public string Namespace => Type.Split('/')[0];

    /// <summary>A parameter value of this (module) deployment, with nested parameters named by the top-level ones they carry.</summary>
    public string? Parameter(string name) => TemplateWalk.Object(TemplateWalk.Object(TemplateWalk.Object(Resource, "properties"), "parameters"), name)?["value"] is JsonValue v && v.TryGetValue<string>(out var text)
        ? TemplateWalk.Rooted(text, ParameterRoots)
        : null;
}

/// <summary>
/// Walks a template compiled by the Bicep CLI, modules (nested deployments) included, and names each condition and
/// parameter value by the top-level parameters it reads: a module's <c>parameters('enabled')</c> that its caller fills
/// with <c>parameters('enableDefenderForContainers')</c> reads as the latter. Only plain forwarding is followed, which
/// is all main.bicep does with the parameters that decide what is deployed and who gets which role.
/// </summary>
public static partial class TemplateWalk
{
    public static IEnumerable<WalkedResource> Resources(JsonNode template) =>
        Walk(template, [], new Dictionary<string, string>(StringComparer.Ordinal));

    private static IEnumerable<WalkedResource> Walk(JsonNode template, IReadOnlyList<string> conditions, IReadOnlyDictionary<string, string> roots)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.Select(r => r!),
            JsonObject map => map.Select(r => r.Value!),
            _ => [],
        };
        foreach (var resource in resources)
        {
            var own = resource["condition"] is JsonValue c && c.TryGetValue<string>(out var text) ? [.. conditions, Rooted(text, roots)] : conditions;
            yield return new WalkedResource(resource, own, roots);
            if (Object(Object(resource, "properties"), "template") is { } nested)
            {
                var nestedRoots = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in Object(Object(resource, "properties"), "parameters") ?? [])
                {
                    if ((value as JsonObject)?["value"] is JsonValue v && v.TryGetValue<string>(out var forwarded) && SingleParameter().Match(Rooted(forwarded, roots)) is { Success: true } m)
                    {
                        nestedRoots[name] = m.Groups[1].Value;
                    }
                }

                foreach (var inner in Walk(nested, own, nestedRoots))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>A property that holds an object (a template's values may also be expressions, which are strings).</summary>
    public static JsonObject? Object(JsonNode? node, string name) => (node as JsonObject)?[name] as JsonObject;

    /// <summary>An expression with each <c>parameters('x')</c> renamed to the top-level parameter x carries.</summary>
    public static string Rooted(string expression, IReadOnlyDictionary<string, string> roots) =>
        ParameterReference().Replace(expression, m => roots.TryGetValue(m.Groups[1].Value, out var root) ? $"parameters('{root}')" : m.Value);

    [GeneratedRegex(@"parameters\('([A-Za-z0-9_]+)'\)")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"^\[parameters\('([A-Za-z0-9_]+)'\)\]$")]
    private static partial Regex SingleParameter();
}
