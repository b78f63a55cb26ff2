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
    private readonly PartitionedRateLimiter<(string User, int Limit)> _requests;
    private readonly PartitionedRateLimiter<(string User, int Limit)> _streams;
    private readonly UserLimitsOptions _limits;
    private readonly SharedUserLimits? _shared;
    private readonly SharedStore? _store;

    public UserRequestLimiter(IOptions<UserLimitsOptions> options, SharedStore? store = null)
    {
        _limits = options.Value;
        _store = store is { Configured: true } ? store : null;
        _shared = _store is null ? null : new SharedUserLimits(_store);
        // A partition per user and limit: a user whose quota changes starts a window of the new limit.
        _requests = PartitionedRateLimiter.Create<(string User, int Limit), (string, int)>(key => RateLimitPartition.GetSlidingWindowLimiter(key, k => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = k.Item2,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _streams = PartitionedRateLimiter.Create<(string User, int Limit), (string, int)>(key => RateLimitPartition.GetConcurrencyLimiter(key, k => new ConcurrencyLimiterOptions
        {
            PermitLimit = k.Item2,
            QueueLimit = 0,
        }));
    }

    /// <summary>The shared counts while the store is usable (another script may count there: <c>model-admit.lua</c>).</summary>
    public SharedUserLimits? SharedNow => Shared ? _shared : null;

    /// <summary>Whether the limits are shared by the replicas now: a store is configured and did not fail lately.</summary>
    public bool Shared => _store is { Usable: true };

    /// <summary>Counts one chat request; refused with the wait when the user is over the per-minute limit (theirs, else the default).</summary>
    public async ValueTask<(bool Allowed, TimeSpan RetryAfter)> CountRequestAsync(string userKey, int? limit = null)
    {
        var perMinute = limit ?? _limits.RequestsPerMinute;
        if (Shared)
        {
            try
            {
                var wait = await _shared!.CountRequestAsync(userKey, perMinute);
                return (wait is null, wait ?? TimeSpan.Zero);
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                _store!.Failed(ex, "counting a user's requests");
            }
        }

        using var lease = _requests.AttemptAcquire((userKey, perMinute));
        var retryAfter = lease.IsAcquired ? TimeSpan.Zero : lease.TryGetMetadata(MetadataName.RetryAfter, out var local) ? local : TimeSpan.FromSeconds(10);
        return (lease.IsAcquired, retryAfter);
    }

    /// <summary>A stream slot for the user, held until the reply ends; <c>null</c> when all of theirs are busy.</summary>
    public async ValueTask<IDisposable?> TryStartStreamAsync(string userKey, int? limit = null)
    {
        var streams = limit ?? _limits.ConcurrentStreams;
        if (Shared)
        {
            try
            {
                return await _shared!.TryStartStreamAsync(userKey, streams);
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                _store!.Failed(ex, "taking a user's stream slot");
            }
        }

        var lease = _streams.AttemptAcquire((userKey, streams));
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
