using StackExchange.Redis;

namespace Api.Shared;

/// <summary>
/// The Redis-compatible store (Garnet locally, Redis when deployed) that makes the API replicas behave as one: user
/// limits, admission to the model servers, and the logs of replies in progress. It is optional and may go away: every
/// user of it falls back to what one replica can do alone. After a failure the store is left alone for a few seconds
/// (each caller then takes its per-replica path at once instead of waiting for a timeout), then tried again.
/// </summary>
public sealed class SharedStore(TimeProvider time, ILogger<SharedStore> logger, IConnectionMultiplexer? connection = null)
{
    public const string ConnectionName = SharedStoreConnection.Name;

    /// <summary>How long the store is left alone after it failed.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    private const long NeverFailed = long.MinValue;
    private long _failedAt = NeverFailed;
    private string? _lastFailure;

    /// <summary>A store is configured (<c>ConnectionStrings:cache</c>).</summary>
    public bool Configured => connection is not null;

    /// <summary>A store is configured and did not fail lately.</summary>
    public bool Usable => connection is not null && !RecentlyFailed;

    /// <summary>What the last failure was, while the store is left alone.</summary>
    public string? Failure => RecentlyFailed ? _lastFailure : null;

    public TimeProvider Time => time;

    public IConnectionMultiplexer Connection => connection ?? throw new InvalidOperationException("No shared store is configured.");

    public IDatabase Database => Connection.GetDatabase();

    private bool RecentlyFailed =>
        Interlocked.Read(ref _failedAt) is var failedAt && failedAt != NeverFailed && time.GetElapsedTime(failedAt) < RetryAfterFailure;

    /// <summary>
    /// Whether an exception means "the store is away" (as opposed to a bug). That includes a command StackExchange.Redis
    /// cancelled itself: when it finds a dead socket it drops the connection and cancels what was in flight on it, a
    /// <see cref="TaskCanceledException"/> with no token behind it (seen under load: "Dead socket detected, no reads in
    /// 26 seconds", then a chat request's admission script failed with it). The API passes the client no token, so a
    /// cancellation whose token was cancelled is never the store's.
    /// </summary>
    public static bool IsStoreFailure(Exception ex) =>
        ex is RedisException or TimeoutException or ObjectDisposedException or OperationCanceledException { CancellationToken.IsCancellationRequested: false };

    /// <summary>Records a failure of the store: its users take their per-replica paths for a few seconds.</summary>
    public void Failed(Exception ex, string what)
    {
        if (!RecentlyFailed)
        {
            logger.LogWarning("The shared store failed ({Message}) while {What}: each replica works on its own until it answers again.", ex.Message, what);
        }

        _lastFailure = ex.Message;
        Interlocked.Exchange(ref _failedAt, time.GetTimestamp());
    }
}
