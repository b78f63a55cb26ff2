using System.Net;
using System.Net.Sockets;

namespace Tests.TestDoubles.Network;

/// <summary>
/// A loopback TCP proxy in front of a real server (Azurite here) that a test can cut and restore: cut closes every
/// open connection with a reset and refuses new ones, as a store that went away would; restore listens again on the
/// same port. The server behind it keeps its data, so what was written before the cut is there after it. Hold keeps
/// every answer from the server back (requests still arrive) until Flow lets them through: a store that is slow to answer.
/// Each request's line (method and path) is kept, so a test can see what was asked, and in what order.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private TaskCompletionSource _flowing = Flowing();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    private TcpFaultProxy(int port, int targetPort)
    {
        Port = port;
        _targetPort = targetPort;
    }

    public int Port { get; }

    /// <summary>The request line (method and path) of each request that went through, oldest first, since <see cref="ClearRequests"/>.</summary>
    public IReadOnlyList<string> RequestLines => [.. _requests];

    public void ClearRequests() => _requests.Clear();

    public bool IsCut => _listener is null;

    public static TcpFaultProxy Start(int targetPort)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var proxy = new TcpFaultProxy(port, targetPort);
        proxy.Restore();
        return proxy;
    }

    /// <summary>Resets every open connection and refuses new ones.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            _stop.Cancel();
            _listener?.Stop();
            _listener = null;
            foreach (var client in _open)
            {
                try
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _open.Clear();
        }
    }

    /// <summary>From now on the server's answers wait, on every connection, until <see cref="Flow"/>.</summary>
    public void Hold() => Interlocked.CompareExchange(ref _flowing, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), _flowing);

    /// <summary>The answers held back go through, and the next ones flow as they come.</summary>
    public void Flow() => Volatile.Read(ref _flowing).TrySetResult();

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task AnswersAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await Volatile.Read(ref _flowing).Task.WaitAsync(cancellationToken);
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private async Task RequestsAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            // A chunk that starts a request starts with its request line (HTTP/1.1, one request at a time per connection).
            var start = System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 512));
            if (start.Split(' ', 2)[0] is "GET" or "POST" or "PUT" or "PATCH" or "MERGE" or "DELETE" or "HEAD")
            {
                _requests.Enqueue(start.Split('\r', 2)[0]);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }

            _stop = new CancellationTokenSource();
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _ = AcceptAsync(listener, _stop.Token);
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(client, cancellationToken);
        }
    }

    private async Task PipeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var target = new TcpClient();
        lock (_gate)
        {
            _open.Add(client);
            _open.Add(target);
        }

        try
        {
            await target.ConnectAsync(IPAddress.Loopback, _targetPort, cancellationToken);
            var a = client.GetStream();
            var b = target.GetStream();
            await Task.WhenAny(RequestsAsync(a, b, cancellationToken), AnswersAsync(b, a, cancellationToken));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(target);
            }

            client.Dispose();
            target.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
