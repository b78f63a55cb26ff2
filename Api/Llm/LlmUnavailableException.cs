namespace Api.Llm;

/// <summary>The LLM cannot take the request now; <see cref="RetryAfter"/> says when to try again, when known.</summary>
public sealed class LlmUnavailableException(string reason, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(reason, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
