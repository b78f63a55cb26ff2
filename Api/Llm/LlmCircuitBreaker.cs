namespace Api.Llm;

/// <summary>The states of <see cref="LlmCircuitBreaker"/>; the values are what the breaker-state gauge reports.</summary>
public enum BreakerState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

/// <summary>
/// Opens after <c>threshold</c> consecutive failures: while open, callers are refused at once (no call reaches
/// Ollama) and told when to come back. After the break it is half-open: one trial request, or the background
/// probe, decides: success closes it, failure opens it again.
/// </summary>
public sealed class LlmCircuitBreaker(string backend, int threshold, TimeSpan breakDuration, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private int _consecutiveFailures;
    private DateTimeOffset? _openUntil;
    private bool _trialInFlight;

    public string Backend { get; } = backend;

    /// <summary>Failures since the last success: a backend that just failed is not reported available from a stale probe.</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_gate)
            {
                return _consecutiveFailures;
            }
        }
    }

    public BreakerState State
    {
        get
        {
            lock (_gate)
            {
                return CurrentState();
            }
        }
    }

    /// <summary>Whether a call may go through now; when not, how long until it may.</summary>
    public bool TryAllow(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = TimeSpan.Zero;
            switch (CurrentState())
            {
                case BreakerState.Closed:
                    return true;
                case BreakerState.HalfOpen when !_trialInFlight:
                    _trialInFlight = true;
                    return true;
                case BreakerState.HalfOpen:
                    retryAfter = TimeSpan.FromSeconds(2);
                    return false;
                default:
                    retryAfter = _openUntil!.Value - time.GetUtcNow();
                    return false;
            }
        }
    }

    /// <summary>How long until the breaker lets a call through (zero when it does now).</summary>
    public TimeSpan RetryAfter
    {
        get
        {
            lock (_gate)
            {
                return CurrentState() switch
                {
                    BreakerState.Open => _openUntil!.Value - time.GetUtcNow(),
                    BreakerState.HalfOpen => TimeSpan.FromSeconds(2),
                    _ => TimeSpan.Zero,
                };
            }
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            var was = CurrentState();
            _consecutiveFailures = 0;
            _openUntil = null;
            _trialInFlight = false;
            if (was != BreakerState.Closed)
            {
                logger.LogInformation("Circuit breaker for {Backend} closed.", Backend);
            }
        }
    }

    public void RecordFailure()
    {
        lock (_gate)
        {
            var state = CurrentState();
            _trialInFlight = false;
            _consecutiveFailures++;
            if (state == BreakerState.HalfOpen || (state == BreakerState.Closed && _consecutiveFailures >= threshold))
            {
                _openUntil = time.GetUtcNow() + breakDuration;
                logger.LogWarning("Circuit breaker for {Backend} opened after {Failures} consecutive failures; next try in {Break}.", Backend, _consecutiveFailures, breakDuration);
            }
        }
    }

    /// <summary>A trial that ended without a verdict (the client left): let the next caller try.</summary>
    public void RecordAbandoned()
    {
        lock (_gate)
        {
            _trialInFlight = false;
        }
    }

    private BreakerState CurrentState() => _openUntil switch
    {
        null => BreakerState.Closed,
        { } until when time.GetUtcNow() < until => BreakerState.Open,
        _ => BreakerState.HalfOpen,
    };
}
