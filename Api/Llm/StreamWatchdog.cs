namespace Api.Llm;

/// <summary>
/// Cancels a stream that takes too long: no first token within the cold-start allowance, no next token within the
/// idle timeout, or the whole stream beyond its cap. <see cref="Reason"/> says which fired.
/// </summary>
public sealed class StreamWatchdog : IDisposable
{
    private readonly CancellationTokenSource _idle;
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _any;
    private readonly TimeSpan _idleTimeout;
    private bool _sawToken;

    public StreamWatchdog(LlmResilienceOptions options, TimeProvider time)
    {
        _idleTimeout = options.IdleTimeout;
        _idle = new CancellationTokenSource(options.FirstTokenTimeout, time);
        _total = new CancellationTokenSource(options.MaxStreamDuration, time);
        _any = CancellationTokenSource.CreateLinkedTokenSource(_idle.Token, _total.Token);
        FirstTokenTimeout = options.FirstTokenTimeout;
        MaxStreamDuration = options.MaxStreamDuration;
    }

    public TimeSpan FirstTokenTimeout { get; }

    public TimeSpan MaxStreamDuration { get; }

    public CancellationToken Token => _any.Token;

    public bool Fired => _any.IsCancellationRequested;

    public string Reason => _total.IsCancellationRequested
        ? $"The reply exceeded the maximum stream duration of {MaxStreamDuration.TotalSeconds:0} s."
        : _sawToken
            ? $"The model sent nothing for {_idleTimeout.TotalSeconds:0} s."
            : $"The model sent no first token within {FirstTokenTimeout.TotalSeconds:0} s.";

    /// <summary>A token arrived: the idle clock starts again.</summary>
    public void OnToken()
    {
        _sawToken = true;
        if (!_idle.IsCancellationRequested)
        {
            _idle.CancelAfter(_idleTimeout);
        }
    }

    public void Dispose()
    {
        _any.Dispose();
        _idle.Dispose();
        _total.Dispose();
    }
}
