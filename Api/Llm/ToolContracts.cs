using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>A function the model may call: its name, and the whole OpenAI tool object (<c>{"type":"function","function":{...}}</c>) as checked JSON, sent to Ollama as it is.</summary>
public sealed record ToolDefinition(string Name, string Json);

/// <summary>A call of a tool: its id (ours when Ollama gives none), the function's name, and its arguments as a JSON object's text.</summary>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>OpenAI's <c>tool_choice</c>: <c>auto</c>, <c>none</c>, <c>required</c>, or one named function.</summary>
public sealed record ToolChoice(ToolChoiceMode Mode, string? Function = null)
{
    public static readonly ToolChoice Auto = new(ToolChoiceMode.Auto);
}

public enum ToolChoiceMode
{
    Auto,
    None,
    Required,
    Function,
}

/// <summary>An assistant message's tool calls, carried in a <see cref="ChatMessage"/> to the model (Ollama's <c>tool_calls</c>).</summary>
public sealed class ToolCallsContent(IReadOnlyList<ToolCall> calls) : AIContent
{
    public IReadOnlyList<ToolCall> Calls { get; } = calls;
}

/// <summary>A <c>tool</c> message's answer to one call, carried in a <see cref="ChatMessage"/> (Ollama's <c>tool_name</c>).</summary>
public sealed class ToolAnswerContent(ToolCall call) : AIContent
{
    public ToolCall Call { get; } = call;
}
