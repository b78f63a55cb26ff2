namespace Api.Llm;

/// <summary>The reply stream ended without Ollama's final <c>done</c> message: the connection was cut.</summary>
public sealed class LlmStreamBrokenException(string message, Exception? inner = null) : Exception(message, inner);
