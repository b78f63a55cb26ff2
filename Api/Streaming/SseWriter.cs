using System.Buffers;
using System.Text.Json;

namespace Api.Streaming;

/// <summary>
/// Writes Server-Sent Events with headers sent lazily: an error before anything was written can still be a plain HTTP
/// error with the right status. If nothing is written for <c>startDelay</c> (a cold model loading), the stream starts
/// anyway and sends <c>: keep-alive</c> comments, so proxies with idle timeouts keep it open. Every event is flushed
/// at once: replies must reach the user token by token. Events are written straight into the response's pipe by one
/// reused JSON writer: a token costs no string, no builder and no byte array of its own.
/// </summary>
public sealed class SseWriter : IAsyncDisposable
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private static readonly byte[] IdPrefix = "id: "u8.ToArray();
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] DataPrefix = "\ndata: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    private readonly HttpResponse _response;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _heartbeatStop;
    private readonly PeriodicTimer _timer;
    private readonly Task _heartbeat;
    private Utf8JsonWriter? _json;
    private bool _started;
    private bool _completed;

    public SseWriter(HttpResponse response, TimeSpan startDelay, TimeSpan heartbeatInterval, CancellationToken cancellationToken)
    {
        _response = response;
        _heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _timer = new PeriodicTimer(heartbeatInterval);
        _heartbeat = HeartbeatAsync(startDelay);
    }

    public bool Started => _started;

    /// <summary>Writes one event whose data is <paramref name="value"/> as JSON, and flushes it; with an id when <paramref name="id"/> is given.</summary>
    public Task WriteEventAsync<T>(ReadOnlyMemory<byte> eventName, T value, JsonSerializerOptions options, CancellationToken cancellationToken, ReplyEventId? id = null) =>
        WriteAsync(id, eventName, (Writer: this, Value: value, Options: options), static (pipe, state) =>
        {
            var writer = state.Writer;
            if (writer._json is null)
            {
                writer._json = new Utf8JsonWriter(pipe, new JsonWriterOptions { Encoder = state.Options.Encoder, SkipValidation = true });
            }
            else
            {
                writer._json.Reset(pipe);
            }

            JsonSerializer.Serialize(writer._json, state.Value, state.Options);
            writer._json.Flush();
        }, cancellationToken);

    /// <summary>Writes one event whose data is already JSON (an event read back from a reply's log), and flushes it.</summary>
    public Task WriteRawEventAsync(ReadOnlyMemory<byte> eventName, ReadOnlyMemory<byte> json, ReplyEventId id, CancellationToken cancellationToken) =>
        WriteAsync(id, eventName, json, static (pipe, data) => pipe.Write(data.Span), cancellationToken);

    /// <summary>One event, framed (id, name, data, blank line) and flushed, alone on the pipe.</summary>
    private async Task WriteAsync<TState>(ReplyEventId? id, ReadOnlyMemory<byte> eventName, TState state, Action<System.IO.Pipelines.PipeWriter, TState> writeData, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            StartIfNeeded();
            var pipe = _response.BodyWriter;
            WriteId(pipe, id);
            pipe.Write(EventPrefix);
            pipe.Write(eventName.Span);
            pipe.Write(DataPrefix);
            writeData(pipe, state);
            pipe.Write(EventEnd);
            await pipe.FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void WriteId(System.IO.Pipelines.PipeWriter pipe, ReplyEventId? id)
    {
        if (id is not { } value)
        {
            return;
        }

        pipe.Write(IdPrefix);
        var span = pipe.GetSpan(value.ReplyId.Length + 12);
        var written = System.Text.Encoding.ASCII.GetBytes(value.ReplyId, span);
        span[written++] = (byte)':';
        System.Buffers.Text.Utf8Formatter.TryFormat(value.Index, span[written..], out var digits);
        written += digits;
        span[written++] = (byte)'\n';
        pipe.Advance(written);
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
        if (_json is not null)
        {
            await _json.DisposeAsync();
        }
    }

    /// <summary>Stops the heartbeat without an exception: the timer's disposal ends its wait with false.</summary>
    private async Task StopHeartbeatAsync()
    {
        if (!_heartbeatStop.IsCancellationRequested)
        {
            await _heartbeatStop.CancelAsync();
        }

        _timer.Dispose();
        await _heartbeat;
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

    private async Task HeartbeatAsync(TimeSpan startDelay)
    {
        var stop = _heartbeatStop.Token;
        try
        {
            // A normal turn ends long before this: its cancellation must not cost an exception.
            await Task.Delay(startDelay, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            while (!stop.IsCancellationRequested)
            {
                await _gate.WaitAsync(stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    if (_completed)
                    {
                        return;
                    }

                    StartIfNeeded();
                    await _response.Body.WriteAsync(KeepAlive, stop);
                    await _response.Body.FlushAsync(stop);
                }
                finally
                {
                    _gate.Release();
                }

                if (!await _timer.WaitForNextTickAsync(CancellationToken.None))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The client went away: the stream's reader sees the same through RequestAborted.
        }
    }
}
