using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Api.Limits;

/// <summary>
/// Per-user requests per minute (a sliding window) and concurrent streams, each user in a partition of their own,
/// so one user at the limit leaves everyone else untouched.
/// </summary>
public sealed class UserRequestLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _requests;
    private readonly PartitionedRateLimiter<string> _streams;

    public UserRequestLimiter(IOptions<UserLimitsOptions> options)
    {
        var limits = options.Value;
        _requests = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetSlidingWindowLimiter(user, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limits.RequestsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _streams = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetConcurrencyLimiter(user, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = limits.ConcurrentStreams,
            QueueLimit = 0,
        }));
    }

    /// <summary>Counts one chat request; refused with the wait when the user is over the per-minute limit.</summary>
    public bool TryCountRequest(string userKey, out TimeSpan retryAfter)
    {
        using var lease = _requests.AttemptAcquire(userKey);
        retryAfter = lease.IsAcquired ? TimeSpan.Zero : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
        return lease.IsAcquired;
    }

    /// <summary>A stream slot for the user, held until the reply ends; <c>null</c> when all of theirs are busy.</summary>
    public RateLimitLease? TryStartStream(string userKey)
    {
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
