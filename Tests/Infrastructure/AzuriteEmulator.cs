using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Tests.Deployment;

namespace Tests.Infrastructure;

/// <summary>
/// Azurite (the real storage emulator, from the npm package the AppHost build installs) with its blob and table
/// services on free loopback ports and in-memory data, for tests that need storage without the whole app.
/// </summary>
public sealed class AzuriteEmulator : IDisposable
{
    /// <summary>Azurite's well-known development key: public and useless outside the emulator.</summary>
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteEmulator(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>
    /// Starts Azurite on free ports. A port found free can be taken by another test's server before Azurite binds it;
    /// Azurite then exits, so the start is tried again on other ports until all three listen.
    /// </summary>
    public static AzuriteEmulator Start()
    {
        var script = Path.Combine(Repository.Root, "AppHost", "node_modules", "azurite", "dist", "src", "azurite.js");
        for (var attempt = 1; ; attempt++)
        {
            var (blob, table, queue) = (FreePort(), FreePort(), FreePort());
            var process = Process.Start(new ProcessStartInfo("node",
            [
                script, "--blobHost", "127.0.0.1", "--blobPort", Text(blob), "--tableHost", "127.0.0.1", "--tablePort", Text(table),
                "--queuePort", Text(queue), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            ])
            { RedirectStandardOutput = true, RedirectStandardError = true }) ?? throw new InvalidOperationException("Azurite did not start.");
            ServerProcesses.Track(process);
            // Read what it prints, so that a full pipe never stops it.
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (Listens(process, blob, table, queue))
            {
                return new AzuriteEmulator(process, $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;");
            }

            process.Kill(entireProcessTree: true);
            ServerProcesses.Forget(process);
            process.Dispose();
            if (attempt == 5)
            {
                throw new InvalidOperationException("Azurite did not listen on free ports in 5 attempts.");
            }
        }
    }

    /// <summary>Whether Azurite listens on all its ports within 30 s and is still running then (false: it exited).</summary>
    private static bool Listens(Process process, params int[] ports)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (ports.All(Accepts))
            {
                // A port another server held answers too: Azurite, unable to bind it, exits within moments.
                Thread.Sleep(200);
                return !process.HasExited;
            }

            Thread.Sleep(100);
        }

        return false;
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Retries <paramref name="probe"/> until the emulator answers (it takes a second or two to listen).</summary>
    public static async Task WaitUntilReadyAsync(Func<Task> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await probe();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    public void Dispose()
    {
        _process.Kill(entireProcessTree: true);
        ServerProcesses.Forget(_process);
        _process.Dispose();
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
