using System.Threading.RateLimiting;

namespace Api.Llm;

/// <summary>
/// The in-flight limit of one backend: up to <c>MaxInFlight</c> streams, then a queue of <c>MaxQueue</c> that waits
/// at most <c>QueueTimeout</c>; anything beyond is refused at once. Its counts are the autoscaling signal
/// (<c>llm.requests.in_flight</c>, <c>llm.requests.queued</c>), since Ollama exports no metrics of its own.
/// </summary>
public sealed class LlmAdmission : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly LlmAdmissionOptions _options;
    private int _queued;

    public LlmAdmission(LlmAdmissionOptions options)
    {
        _options = options;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxInFlight,
            QueueLimit = options.MaxQueue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public int InFlight => _options.MaxInFlight - (int)(_limiter.GetStatistics()?.CurrentAvailablePermits ?? _options.MaxInFlight);

    public int Queued => Volatile.Read(ref _queued);

    public int Capacity => _options.MaxInFlight;

    /// <summary>A slot, or <c>null</c> when the backend is full (queue included) or the queue wait ran out.</summary>
    public async Task<RateLimitLease?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        var immediate = _limiter.AttemptAcquire();
        if (immediate.IsAcquired)
        {
            return immediate;
        }

        immediate.Dispose();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.QueueTimeout);
        Interlocked.Increment(ref _queued);
        try
        {
            var lease = await _limiter.AcquireAsync(1, timeout.Token);
            if (lease.IsAcquired)
            {
                return lease;
            }

            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    public void Dispose() => _limiter.Dispose();
}
