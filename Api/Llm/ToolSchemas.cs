using System.Text.Json;
using Json.Schema;

namespace Api.Llm;

/// <summary>Whether a tool's <c>parameters</c> are a valid JSON Schema: checked against the 2020-12 meta-schema.</summary>
public static class ToolSchemas
{
    /// <summary>Where the schema breaks the JSON Schema 2020-12 meta-schema, in a few words; null when it is valid.</summary>
    public static string? Problem(JsonElement schema)
    {
        var result = MetaSchemas.Draft202012.Evaluate(schema, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return null;
        }

        var first = result.Details?.FirstOrDefault(d => !d.IsValid && d.Errors is { Count: > 0 });
        return first is null
            ? "it does not match the JSON Schema meta-schema."
            : $"at '{(first.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}': {first.Errors!.Values.First()}";
    }
}
