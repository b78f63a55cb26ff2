using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>One call to the model; <paramref name="Stream"/> false asks for the whole reply in one answer (a title).</summary>
/// <param name="Tools">The functions the model may call (after <c>tool_choice</c>); null: none.</param>
public sealed record LlmRequest(IReadOnlyList<ChatMessage> Messages, string Model, float Temperature, int MaxOutputTokens, bool Stream = true, IReadOnlyList<ToolDefinition>? Tools = null);

/// <summary>A piece of a streamed reply: text, calls of tools, and on the last piece the token counts and the finish reason.</summary>
public sealed record LlmChunk(string? Text, int? PromptTokens = null, int? CompletionTokens = null, string? FinishReason = null)
{
    /// <summary>Calls of tools the model made in this piece (Ollama sends each call whole).</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }
}
