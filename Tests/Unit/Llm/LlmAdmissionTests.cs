using Api.Llm;

namespace Tests.Unit.Llm;

public sealed class LlmAdmissionTests
{
    [Fact]
    public async Task TryAcquire_SlotsThenQueueThenRefusal()
    {
        using var admission = new LlmAdmission(new LlmAdmissionOptions { MaxInFlight = 2, MaxQueue = 1, QueueTimeout = TimeSpan.FromSeconds(5) });
        var ct = TestContext.Current.CancellationToken;

        using var first = await admission.TryAcquireAsync(ct);
        using var second = await admission.TryAcquireAsync(ct);
        var queued = admission.TryAcquireAsync(ct);
        var refused = await admission.TryAcquireAsync(ct);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(refused);
        Assert.Equal(2, admission.InFlight);
        Assert.Equal(1, admission.Queued);
        Assert.False(queued.IsCompleted);

        first!.Dispose();
        using var promoted = await queued.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.NotNull(promoted);
        Assert.Equal(0, admission.Queued);
    }

    [Fact]
    public async Task TryAcquire_QueueWaitRunsOut_Refused()
    {
        using var admission = new LlmAdmission(new LlmAdmissionOptions { MaxInFlight = 1, MaxQueue = 1, QueueTimeout = TimeSpan.FromMilliseconds(200) });
        var ct = TestContext.Current.CancellationToken;
        using var held = await admission.TryAcquireAsync(ct);

        var waited = await admission.TryAcquireAsync(ct);

        Assert.Null(waited);
        Assert.Equal(0, admission.Queued);
    }
}
