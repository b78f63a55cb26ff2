using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>Stands in for the LLM when none is configured: every call fails with the reason, and nothing hangs.</summary>
public sealed class UnavailableChatClient(string reason) : IChatClient
{
    public string Reason { get; } = reason;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new LlmUnavailableException(Reason);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new LlmUnavailableException(Reason);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
