using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Tests.Deployment;

namespace Tests.Infrastructure;

/// <summary>
/// Garnet (Microsoft's Redis-compatible server, the `garnet-server` dotnet tool pinned in .config/dotnet-tools.json)
/// on a free loopback port with Lua on, for tests of what the API replicas share. Stop and start it to play the
/// store going away and coming back.
/// </summary>
public sealed class GarnetServer : IDisposable
{
    private Process? _process;

    private GarnetServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<GarnetServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new GarnetServer(port);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo("dotnet", ["tool", "run", "garnet-server", "--", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode"])
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Garnet did not start.");
        ServerProcesses.Track(_process);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        if (_process is not null)
        {
            ServerProcesses.Forget(_process);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}
