using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Api.Limits;

/// <summary>
/// Per-user requests per minute (a sliding window) and concurrent streams. With a Redis-compatible store configured
/// (<c>ConnectionStrings:cache</c>) they are counted there, for all API replicas together (<see cref="SharedUserLimits"/>);
/// without one, or while it cannot be reached, each replica counts in memory, each user in a partition of their own.
/// </summary>
public sealed class UserRequestLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _requests;
    private readonly PartitionedRateLimiter<string> _streams;
    private readonly UserLimitsOptions _limits;
    private readonly SharedUserLimits? _shared;
    private readonly TimeProvider _time;
    private readonly ILogger<UserRequestLimiter> _logger;
    private const long NeverFailed = long.MinValue;
    private long _sharedFailedAt = NeverFailed;

    public UserRequestLimiter(IOptions<UserLimitsOptions> options, TimeProvider time, ILogger<UserRequestLimiter> logger, SharedUserLimits? shared = null)
    {
        _limits = options.Value;
        _shared = shared;
        _time = time;
        _logger = logger;
        _requests = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetSlidingWindowLimiter(user, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = _limits.RequestsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _streams = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetConcurrencyLimiter(user, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = _limits.ConcurrentStreams,
            QueueLimit = 0,
        }));
    }

    /// <summary>Whether the limits are shared by the replicas now: a store is configured and its last call did not fail lately.</summary>
    public bool Shared => _shared is not null && !RecentlyFailed;

    /// <summary>The store failed in the last few seconds: counting stays per replica meanwhile, then the store is tried again.</summary>
    private bool RecentlyFailed => Interlocked.Read(ref _sharedFailedAt) is var failedAt && failedAt != NeverFailed && _time.GetTimestamp() - failedAt < _time.TimestampFrequency * 5;

    /// <summary>Counts one chat request; refused with the wait when the user is over the per-minute limit.</summary>
    public async ValueTask<(bool Allowed, TimeSpan RetryAfter)> CountRequestAsync(string userKey)
    {
        if (Shared)
        {
            try
            {
                var wait = await _shared!.CountRequestAsync(userKey, _limits.RequestsPerMinute);
                return (wait is null, wait ?? TimeSpan.Zero);
            }
            catch (Exception ex) when (IsStoreFailure(ex))
            {
                StoreFailed(ex);
            }
        }

        using var lease = _requests.AttemptAcquire(userKey);
        var retryAfter = lease.IsAcquired ? TimeSpan.Zero : lease.TryGetMetadata(MetadataName.RetryAfter, out var local) ? local : TimeSpan.FromSeconds(10);
        return (lease.IsAcquired, retryAfter);
    }

    /// <summary>A stream slot for the user, held until the reply ends; <c>null</c> when all of theirs are busy.</summary>
    public async ValueTask<IDisposable?> TryStartStreamAsync(string userKey)
    {
        if (Shared)
        {
            try
            {
                return await _shared!.TryStartStreamAsync(userKey, _limits.ConcurrentStreams);
            }
            catch (Exception ex) when (IsStoreFailure(ex))
            {
                StoreFailed(ex);
            }
        }

        var lease = _streams.AttemptAcquire(userKey);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        return null;
    }

    private static bool IsStoreFailure(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    private void StoreFailed(Exception ex)
    {
        if (!RecentlyFailed)
        {
            _logger.LogWarning("The limits store failed ({Message}); limits are counted per replica until it answers again.", ex.Message);
        }

        Interlocked.Exchange(ref _sharedFailedAt, _time.GetTimestamp());
    }

    public void Dispose()
    {
        _requests.Dispose();
        _streams.Dispose();
    }
}
