using System.Threading.RateLimiting;

namespace Api.Llm;

/// <summary>A slot on a backend for one reply. Disposing it frees the slot.</summary>
public sealed class LlmLease(LlmBackend backend, RateLimitLease permit) : IDisposable
{
    private RateLimitLease _permit = permit;

    /// <summary>The backend serving the reply; it changes when the primary fails before the first token and the fallback takes over.</summary>
    public LlmBackend Backend { get; private set; } = backend;

    internal void SwitchTo(LlmBackend backend, RateLimitLease permit)
    {
        _permit.Dispose();
        _permit = permit;
        Backend = backend;
    }

    public void Dispose() => _permit.Dispose();
}

/// <summary>Why a chat request was not admitted: the HTTP status, a stable code and when to retry.</summary>
public sealed record LlmRejection(int Status, string Code, string Title, string Detail, TimeSpan RetryAfter);
