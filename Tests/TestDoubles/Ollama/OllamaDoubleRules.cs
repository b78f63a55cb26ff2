using System.Text.Json;

namespace Tests.TestDoubles.Ollama;

/// <summary>
/// What the real Ollama (0.17) refuses in the requests the API makes, so the double refuses it too, each rule with
/// where it comes from. A request breaking one gets Ollama's 400 with its words, never a reply.
/// </summary>
public static class OllamaDoubleRules
{
    /// <summary>The roles <c>/api/chat</c> takes (docs/api.md, "Generate a chat completion": system, user, assistant or tool).</summary>
    public static readonly IReadOnlyList<string> Roles = ["system", "user", "assistant", "tool"];

    /// <summary>The first rule <paramref name="body"/> of an <c>/api/chat</c> request breaks for <paramref name="model"/>; null when Ollama would take it.</summary>
    public static string? ChatProblem(JsonElement body, OllamaModelCapabilities model)
    {
        // server/routes.go ChatHandler: a model without the completion capability "does not support chat" (an embedding model).
        if (!model.Completion)
        {
            return $"\"{model.Name}\" does not support chat";
        }

        if (body.TryGetProperty("tools", out var tools) && tools.ValueKind != JsonValueKind.Null)
        {
            // api/types.go: tools is a list of Tool objects; anything else fails to unmarshal.
            if (tools.ValueKind != JsonValueKind.Array)
            {
                return $"json: cannot unmarshal {Kind(tools)} into Go struct field ChatRequest.tools of type api.Tools";
            }

            // server/routes.go ChatHandler checks the tools capability when tools are sent (docs/api.md: "tools: list of tools in JSON for the model to use if supported").
            if (tools.GetArrayLength() > 0 && !model.Tools)
            {
                return $"registry.ollama.ai/library/{model.Name} does not support tools";
            }

            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                {
                    return "json: cannot unmarshal tool into Go value of type api.Tool";
                }

                if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                {
                    return $"json: cannot unmarshal {Kind(parameters)} into Go struct field ToolFunction.tools.function.parameters of type struct";
                }
            }
        }

        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return "messages is required";
        }

        foreach (var message in messages.EnumerateArray())
        {
            var role = message.TryGetProperty("role", out var r) ? r.GetString() : null;
            if (role is null || !Roles.Contains(role))
            {
                return $"invalid role: {role}";
            }

            if (message.TryGetProperty("content", out var content) && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return $"json: cannot unmarshal {Kind(content)} into Go struct field Message.messages.content of type string";
            }

            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    // api/types.go: ToolCallFunction.Arguments is a map (an object), never OpenAI's string of JSON.
                    if (!call.TryGetProperty("function", out var function) || !function.TryGetProperty("arguments", out var arguments) || arguments.ValueKind != JsonValueKind.Object)
                    {
                        return "json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The first rule an <c>/api/embed</c> request breaks; null when Ollama would take it.</summary>
    public static string? EmbedProblem(JsonElement body, OllamaModelCapabilities model, out IReadOnlyList<string> inputs)
    {
        inputs = [];
        // docs/api.md, "Generate Embeddings": input is a text or a list of texts.
        if (!body.TryGetProperty("input", out var input))
        {
            return "input is required";
        }

        inputs = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(i => i.ValueKind == JsonValueKind.String) => [.. input.EnumerateArray().Select(i => i.GetString()!)],
            _ => [],
        };
        if (inputs.Count == 0 && input.ValueKind != JsonValueKind.Array)
        {
            return $"invalid input type";
        }

        // docs/api.md: "truncate ... Returns error if false and context length is exceeded"; the error's words as
        // OllamaSharp users report them ("the input length exceeds the context length").
        var truncate = !body.TryGetProperty("truncate", out var t) || t.ValueKind != JsonValueKind.False;
        if (!truncate && inputs.Any(i => OllamaModelCapabilities.Tokens(i) > model.ContextLength))
        {
            return "the input length exceeds the context length";
        }

        return null;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.Array => "array",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "object",
    };
}
