using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamBench;

/// <summary>
/// A TCP proxy in front of Azurite that counts HTTP requests (a request line at the start of what the client sends: a
/// batch's embedded operations are not calls) and can hold every request for a fixed time, as a storage account in
/// another rack of the region would (about 5 ms a call).
/// </summary>
public sealed class StorageProxy : IDisposable
{
    private static readonly string[] Methods = ["GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "MERGE ", "HEAD "];
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _target;
    private long _requests;

    public StorageProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public TimeSpan Delay { get; set; }

    public long Requests => Interlocked.Read(ref _requests);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var _ = client;
        using var target = new TcpClient();
        try
        {
            await target.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            var up = CopyAsync(client.GetStream(), target.GetStream(), count: true);
            var down = CopyAsync(target.GetStream(), client.GetStream(), count: false);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool count)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            var requests = count && StartsWithMethod(buffer.AsSpan(0, read)) ? 1 : 0;
            if (requests > 0)
            {
                Interlocked.Add(ref _requests, requests);
                if (Environment.GetEnvironmentVariable("BENCH_TRACE_STORAGE") == "1")
                {
                    Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.ffff} {Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 120)).Split('\r')[0]}");
                }
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, _stop.Token);
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private static bool StartsWithMethod(ReadOnlySpan<byte> data)
    {
        foreach (var method in Methods)
        {
            if (data.Length >= method.Length && Encoding.ASCII.GetString(data[..method.Length]) == method)
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
