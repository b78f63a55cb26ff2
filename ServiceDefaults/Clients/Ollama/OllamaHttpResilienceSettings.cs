namespace CommunityToolkit.Aspire.OllamaSharp;

/// <summary>
/// The HTTP-level policy of an Ollama client. The handler only sees the time until response headers,
/// and Ollama sends headers with the first token: so the attempt timeout is the first-token allowance
/// (a cold model takes tens of seconds to load), and a retry can never duplicate streamed output.
/// </summary>
public sealed class OllamaHttpResilienceSettings
{
    /// <summary>How long one attempt may wait for response headers (the first token). Default 5 minutes.</summary>
    public TimeSpan FirstResponseTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries after a connection failure or a 503 from Ollama. Default 2.</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Base delay of the jittered exponential back-off. Default 500 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a pooled connection lives: the client is long-lived, so this is what makes it see
    /// DNS changes (a new Ollama pod behind a headless service, a failover).
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(2);
}
