namespace CommunityToolkit.Aspire.OllamaSharp;

/// <summary>
/// Makes a cancellation token able to end a streamed Ollama response that is stuck waiting for data. Why: once the
/// response headers are in, HttpClient drops its link to the caller's token, and OllamaSharp reads lines without
/// one, so a stalled model would hold a read open forever. Bind the token around the call that starts the stream;
/// the client's handler then disposes the response when the token fires, which ends the read at once and closes
/// the connection (Ollama stops generating). Ours: not part of the official integration.
/// </summary>
public static class OllamaStreamCancellation
{
    private static readonly AsyncLocal<CancellationToken> Bound = new();

    internal static CancellationToken Current => Bound.Value;

    /// <summary>Binds <paramref name="cancellationToken"/> to the streams started in this async flow until disposed.</summary>
    public static IDisposable Bind(CancellationToken cancellationToken)
    {
        var previous = Bound.Value;
        Bound.Value = cancellationToken;
        return new Scope(previous);
    }

    private sealed class Scope(CancellationToken previous) : IDisposable
    {
        public void Dispose() => Bound.Value = previous;
    }
}
