using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>One call to the model; <paramref name="Stream"/> false asks for the whole reply in one answer (a title).</summary>
public sealed record LlmRequest(IReadOnlyList<ChatMessage> Messages, string Model, float Temperature, int MaxOutputTokens, bool Stream = true);

/// <summary>A piece of a streamed reply: text, and on the last piece the token counts and the finish reason.</summary>
public sealed record LlmChunk(string? Text, int? PromptTokens = null, int? CompletionTokens = null, string? FinishReason = null);
