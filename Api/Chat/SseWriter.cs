using System.Text;

namespace Api.Chat;

/// <summary>
/// Writes Server-Sent Events with headers sent lazily: an error before anything was written can still be a
/// plain HTTP error with the right status. If nothing is written for <c>startDelay</c> (a cold model loading),
/// the stream starts anyway and sends <c>: keep-alive</c> comments, so proxies with idle timeouts keep it open.
/// Every event is flushed at once: replies must reach the user token by token.
/// </summary>
public sealed class SseWriter : IAsyncDisposable
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    private readonly HttpResponse _response;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _heartbeatStop;
    private readonly Task _heartbeat;
    private bool _started;
    private bool _completed;

    public SseWriter(HttpResponse response, TimeSpan startDelay, TimeSpan heartbeatInterval, CancellationToken cancellationToken)
    {
        _response = response;
        _heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _heartbeat = HeartbeatAsync(startDelay, heartbeatInterval, _heartbeatStop.Token);
    }

    public bool Started => _started;

    public async Task WriteEventAsync(string eventName, string jsonData, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            StartIfNeeded();
            var payload = new StringBuilder(eventName.Length + jsonData.Length + 16)
                .Append("event: ").Append(eventName).Append('\n')
                .Append("data: ").Append(jsonData).Append("\n\n")
                .ToString();
            await _response.Body.WriteAsync(Encoding.UTF8.GetBytes(payload), cancellationToken);
            await _response.Body.FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the heartbeat; true when the response was not started, so the caller may still write a plain error.</summary>
    public async Task<bool> TryCompleteWithoutStartAsync()
    {
        await StopHeartbeatAsync();
        await _gate.WaitAsync();
        try
        {
            _completed = true;
            return !_started;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatAsync();
        _heartbeatStop.Dispose();
        _gate.Dispose();
    }

    private async Task StopHeartbeatAsync()
    {
        if (!_heartbeatStop.IsCancellationRequested)
        {
            await _heartbeatStop.CancelAsync();
        }

        try
        {
            await _heartbeat;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void StartIfNeeded()
    {
        if (_started)
        {
            return;
        }

        if (_completed)
        {
            throw new InvalidOperationException("The stream was already completed.");
        }

        _started = true;
        _response.StatusCode = StatusCodes.Status200OK;
        _response.ContentType = "text/event-stream; charset=utf-8";
        _response.Headers.CacheControl = "no-cache, no-store";
        // Tells nginx-style proxies (the AKS ingress) not to buffer the stream.
        _response.Headers["X-Accel-Buffering"] = "no";
    }

    private async Task HeartbeatAsync(TimeSpan startDelay, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await HeartbeatLoopAsync(startDelay, interval, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away: the stream's reader sees the same through RequestAborted.
        }
    }

    private async Task HeartbeatLoopAsync(TimeSpan startDelay, TimeSpan interval, CancellationToken cancellationToken)
    {
        await Task.Delay(startDelay, cancellationToken);
        using var timer = new PeriodicTimer(interval);
        do
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (_completed)
                {
                    return;
                }

                StartIfNeeded();
                await _response.Body.WriteAsync(KeepAlive, cancellationToken);
                await _response.Body.FlushAsync(cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
