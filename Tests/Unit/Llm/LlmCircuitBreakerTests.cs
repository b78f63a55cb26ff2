using Api.Llm;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Unit.Llm;

public sealed class LlmCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    private LlmCircuitBreaker Create() => new("primary", threshold: 3, breakDuration: TimeSpan.FromSeconds(30), _time, NullLogger.Instance);

    [Fact]
    public void RecordFailure_BelowThreshold_StaysClosed()
    {
        var breaker = Create();

        breaker.RecordFailure();
        breaker.RecordFailure();

        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.True(breaker.TryAllow(out _));
    }

    [Fact]
    public void RecordFailure_AtThreshold_OpensAndRefusesWithTheRemainingWait()
    {
        var breaker = Create();
        for (var i = 0; i < 3; i++)
        {
            breaker.RecordFailure();
        }

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.False(breaker.TryAllow(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(20), retryAfter);
    }

    [Fact]
    public void AfterBreak_HalfOpen_AllowsOneTrial_SuccessCloses()
    {
        var breaker = Create();
        for (var i = 0; i < 3; i++)
        {
            breaker.RecordFailure();
        }

        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAllow(out _));
        Assert.False(breaker.TryAllow(out _));
        breaker.RecordSuccess();
        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void HalfOpenTrial_Fails_OpensForAnotherBreak()
    {
        var breaker = Create();
        for (var i = 0; i < 3; i++)
        {
            breaker.RecordFailure();
        }

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(breaker.TryAllow(out _));
        breaker.RecordFailure();

        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(30), breaker.RetryAfter);
    }

    [Fact]
    public void HalfOpenTrial_Abandoned_LetsTheNextCallerTry()
    {
        var breaker = Create();
        for (var i = 0; i < 3; i++)
        {
            breaker.RecordFailure();
        }

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(breaker.TryAllow(out _));
        breaker.RecordAbandoned();

        Assert.True(breaker.TryAllow(out _));
    }

    [Fact]
    public void Success_ResetsTheFailureCount()
    {
        var breaker = Create();
        breaker.RecordFailure();
        breaker.RecordFailure();
        breaker.RecordSuccess();
        breaker.RecordFailure();
        breaker.RecordFailure();

        Assert.Equal(BreakerState.Closed, breaker.State);
    }
}
