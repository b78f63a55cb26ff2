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

    public static AzuriteEmulator Start()
    {
        var (blob, table, queue) = (FreePort(), FreePort(), FreePort());
        var script = Path.Combine(Repository.Root, "AppHost", "node_modules", "azurite", "dist", "src", "azurite.js");
        var process = Process.Start(new ProcessStartInfo("node",
        [
            script, "--blobHost", "127.0.0.1", "--blobPort", Text(blob), "--tableHost", "127.0.0.1", "--tablePort", Text(table),
            "--queuePort", Text(queue), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true }) ?? throw new InvalidOperationException("Azurite did not start.");
        return new AzuriteEmulator(process, $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;");
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
