using System.Threading.RateLimiting;
using Api.Shared;
using Microsoft.Extensions.Options;

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
    private readonly SharedStore? _store;

    public UserRequestLimiter(IOptions<UserLimitsOptions> options, SharedStore? store = null)
    {
        _limits = options.Value;
        _store = store is { Configured: true } ? store : null;
        _shared = _store is null ? null : new SharedUserLimits(_store);
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

    /// <summary>The shared counts while the store is usable (another script may count there: <c>model-admit.lua</c>).</summary>
    public SharedUserLimits? SharedNow => Shared ? _shared : null;

    /// <summary>Whether the limits are shared by the replicas now: a store is configured and did not fail lately.</summary>
    public bool Shared => _store is { Usable: true };

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
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                _store!.Failed(ex, "counting a user's requests");
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
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                _store!.Failed(ex, "taking a user's stream slot");
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

    public void Dispose()
    {
        _requests.Dispose();
        _streams.Dispose();
    }
}
