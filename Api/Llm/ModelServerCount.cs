using System.Net;

namespace Api.Llm;

/// <summary>
/// How many model servers a backend has now. Fixed (<c>Llm:Admission:Servers</c>), or, when a host name is configured
/// (<c>Llm:Admission:ServerHosts:{backend}</c>, a headless Service when deployed), the addresses it resolves to: as
/// KEDA adds Ollama replicas, the admission capacity grows with them. A lookup that fails keeps the last count.
/// </summary>
public sealed class ModelServerCount : IDisposable
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(15);

    private readonly string? _host;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly CancellationTokenSource _stop = new();
    private int _count;
    private int _started;

    public ModelServerCount(int servers, string? host = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _count = Math.Max(1, servers);
        _host = string.IsNullOrWhiteSpace(host) ? null : host;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    /// <summary>The servers now (at least one).</summary>
    public int Current
    {
        get
        {
            if (_host is not null && Interlocked.Exchange(ref _started, 1) == 0)
            {
                _ = RefreshAsync(_stop.Token);
            }

            return Volatile.Read(ref _count);
        }
    }

    /// <summary>Resolves the host once now: the count it gives, or the last one if the lookup fails.</summary>
    public async Task<int> RefreshOnceAsync(CancellationToken cancellationToken)
    {
        if (_host is null)
        {
            return Volatile.Read(ref _count);
        }

        try
        {
            var addresses = await _resolve(_host, cancellationToken);
            if (addresses.Length > 0)
            {
                Volatile.Write(ref _count, addresses.Distinct().Count());
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ArgumentException)
        {
            // Keep the last count: a DNS hiccup must not shrink the capacity to nothing.
        }

        return Volatile.Read(ref _count);
    }

    private async Task RefreshAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        try
        {
            do
            {
                await RefreshOnceAsync(stop);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
