using System.Text.Json;
using Api.Errors;
using Api.Llm;

namespace Api.OpenAi;

/// <summary>
/// Reads OpenAI's <c>tools</c> and <c>tool_choice</c>, refusing what no model could use: a tool that is not a function,
/// a name OpenAI would refuse, <c>parameters</c> that are not a JSON object, two tools of one name, more than
/// <see cref="MaxTools"/>, a choice naming no tool, a choice without tools. Whether the parameters are a valid JSON
/// Schema (<see cref="ToolSchemas.Problem"/>) is checked on the pipeline, after the request was counted and its size bounded
/// (<see cref="ModelCalls.Steps.ToolSchemaStep"/>): checking it here let an invalid schema be sent without limit.
/// Each tool goes to the model as a clean <c>{"type":"function","function":{name, description, parameters}}</c>.
/// </summary>
public static class ToolRequestReader
{
    /// <summary>OpenAI's own limit on tools per request.</summary>
    public const int MaxTools = 128;

    public static (IReadOnlyList<ToolDefinition>? Tools, ToolChoice Choice, ApiError? Error) Read(JsonElement tools, JsonElement choice)
    {
        List<ToolDefinition>? read = null;
        if (tools.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                return Invalid("tools", "tools must be an array of function tools.", ErrorCodes.InvalidValue);
            }

            if (tools.GetArrayLength() > MaxTools)
            {
                return Invalid("tools", $"At most {MaxTools} tools are accepted; this request has {tools.GetArrayLength()}.", ErrorCodes.InvalidValue);
            }

            read = [];
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var (definition, error) = ReadTool(tool, $"tools[{index++}]");
                if (error is not null)
                {
                    return (null, ToolChoice.Auto, error);
                }

                if (read.Any(t => t.Name == definition!.Name))
                {
                    return Invalid($"tools[{index - 1}].function.name", $"Two tools are named '{definition!.Name}'.", ErrorCodes.InvalidValue);
                }

                read.Add(definition!);
            }
        }

        var (toolChoice, choiceError) = ReadChoice(choice, read);
        return choiceError is not null ? (null, ToolChoice.Auto, choiceError) : (read is { Count: > 0 } ? read : null, toolChoice, null);
    }

    private static (ToolDefinition?, ApiError?) ReadTool(JsonElement tool, string param)
    {
        if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
        {
            return (null, ApiError.Of(ErrorCodes.InvalidValue, $"{param} must be an object with type \"function\" (only function tools are supported).", param: $"{param}.type"));
        }

        if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
        {
            return (null, ApiError.Of(ErrorCodes.MissingRequiredParameter, $"{param}.function is required.", param: $"{param}.function"));
        }

        if (!function.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String || !IsValidName(nameElement.GetString()!))
        {
            return (null, ApiError.Of(ErrorCodes.InvalidValue, $"{param}.function.name must be 1 to 64 letters, digits, '_' or '-'.", param: $"{param}.function.name"));
        }

        string? description = null;
        if (function.TryGetProperty("description", out var describe) && describe.ValueKind is not JsonValueKind.Null)
        {
            if (describe.ValueKind != JsonValueKind.String)
            {
                return (null, ApiError.Of(ErrorCodes.InvalidValue, $"{param}.function.description must be a string.", param: $"{param}.function.description"));
            }

            description = describe.GetString();
        }

        JsonElement? parameters = null;
        if (function.TryGetProperty("parameters", out var schema) && schema.ValueKind is not JsonValueKind.Null)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return (null, ApiError.Of(ErrorCodes.InvalidToolSchema, $"{param}.function.parameters must be a JSON Schema object, not {schema.ValueKind.ToString().ToLowerInvariant()}.", param: $"{param}.function.parameters"));
            }

            parameters = schema;
        }

        var name = nameElement.GetString()!;
        return (new ToolDefinition(name, Normalized(name, description, parameters)), null);
    }

    private static string Normalized(string name, string? description, JsonElement? parameters)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", name);
            if (description is not null)
            {
                json.WriteString("description", description);
            }

            json.WritePropertyName("parameters");
            if (parameters is { } p)
            {
                p.WriteTo(json);
            }
            else
            {
                // A function without parameters takes none: Ollama's templates expect an object schema.
                json.WriteStartObject();
                json.WriteString("type", "object");
                json.WriteStartObject("properties");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static (ToolChoice, ApiError?) ReadChoice(JsonElement choice, List<ToolDefinition>? tools)
    {
        if (choice.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (ToolChoice.Auto, null);
        }

        if (tools is not { Count: > 0 })
        {
            return (ToolChoice.Auto, ApiError.Of(ErrorCodes.InvalidValue, "tool_choice is only allowed when tools are specified.", param: "tool_choice"));
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "auto" => (ToolChoice.Auto, null),
                "none" => (new ToolChoice(ToolChoiceMode.None), null),
                "required" => (new ToolChoice(ToolChoiceMode.Required), null),
                var other => (ToolChoice.Auto, ApiError.Of(ErrorCodes.InvalidValue, $"tool_choice must be \"auto\", \"none\", \"required\" or a named function, not \"{other}\".", param: "tool_choice")),
            };
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function"
            && choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            var named = name.GetString()!;
            return tools.Any(t => t.Name == named)
                ? (new ToolChoice(ToolChoiceMode.Function, named), null)
                : (ToolChoice.Auto, ApiError.Of(ErrorCodes.InvalidValue, $"tool_choice names the function '{named}', which is not one of the tools.", param: "tool_choice.function.name"));
        }

        return (ToolChoice.Auto, ApiError.Of(ErrorCodes.InvalidValue, "tool_choice must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}.", param: "tool_choice"));
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static (IReadOnlyList<ToolDefinition>?, ToolChoice, ApiError?) Invalid(string param, string message, string code) =>
        (null, ToolChoice.Auto, ApiError.Of(code, message, param: param));
}
