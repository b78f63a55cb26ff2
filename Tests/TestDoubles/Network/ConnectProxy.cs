using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tests.TestDoubles.Network;

/// <summary>
/// An HTTPS proxy (HTTP CONNECT, RFC 9110 section 9.3.6) that tunnels the hosts it is given to local endpoints and
/// refuses every other host with 403. A process started with <c>HTTPS_PROXY</c> pointing here (.NET's HttpClient
/// reads it) reaches a double under the real host name, TLS and all, and reaches nothing else over HTTPS.
/// </summary>
public sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IReadOnlyDictionary<string, IPEndPoint> _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ConnectProxy(IReadOnlyDictionary<string, IPEndPoint> routes)
    {
        _routes = routes;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every CONNECT target asked for, tunnelled or refused.</summary>
    public ConcurrentQueue<string> Requested { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => TunnelAsync(client));
        }
    }

    private async Task TunnelAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var header = await ReadHeaderAsync(stream);
            var requestLine = header?.Split("\r\n")[0].Split(' ');
            if (requestLine is not ["CONNECT", var target, _])
            {
                await stream.WriteAsync("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
                return;
            }

            Requested.Enqueue(target);
            if (!_routes.TryGetValue(target, out var endpoint))
            {
                await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(endpoint);
            await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray());
            var remote = upstream.GetStream();
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = stream.CopyToAsync(remote, done.Token);
            var down = remote.CopyToAsync(stream, done.Token);
            try
            {
                await Task.WhenAny(up, down);
            }
            finally
            {
                await done.CancelAsync();
            }
        }
    }

    private static async Task<string?> ReadHeaderAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 8192)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n')
            {
                return Encoding.ASCII.GetString([.. buffer]);
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
