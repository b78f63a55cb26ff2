using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using Azure.Storage.Blobs;
using Tests.Deployment;
using Web.Security;

namespace Tests.Unit.Web;

/// <summary>The web's shared Data Protection key ring, against Azurite's blob service (npm, a real emulator).</summary>
public sealed class BlobXmlRepositoryTests : IAsyncLifetime
{
    private const string DevelopmentConnection = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{0}/devstoreaccount1;";
    private Process? _azurite;
    private BlobContainerClient _container = null!;

    public async ValueTask InitializeAsync()
    {
        var port = FreePort();
        var script = Path.Combine(Repository.Root, "AppHost", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        _azurite = Process.Start(new ProcessStartInfo("node", [script, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        _container = new BlobServiceClient(string.Format(System.Globalization.CultureInfo.InvariantCulture, DevelopmentConnection, port)).GetBlobContainerClient("dataprotection");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _azurite?.Kill(entireProcessTree: true);
        _azurite?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public void StoreElement_ThenAnotherReplicaReads_SeesTheKey()
    {
        var writer = new BlobXmlRepository(_container.GetBlobClient("keys.xml"));
        var reader = new BlobXmlRepository(_container.GetBlobClient("keys.xml"));

        writer.StoreElement(new XElement("key", new XAttribute("id", "k1")), "k1");

        Assert.Equal(["k1"], reader.GetAllElements().Select(e => e.Attribute("id")!.Value));
    }

    [Fact]
    public async Task StoreElement_ReplicasWritingAtOnce_LoseNothing()
    {
        var blob = "concurrent.xml";

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            new BlobXmlRepository(_container.GetBlobClient(blob)).StoreElement(new XElement("key", new XAttribute("id", $"k{i}")), $"k{i}"))));

        var ids = new BlobXmlRepository(_container.GetBlobClient(blob)).GetAllElements().Select(e => e.Attribute("id")!.Value).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"k{i}"), ids);
    }

    [Fact]
    public void GetAllElements_NoBlobYet_IsEmpty()
    {
        Assert.Empty(new BlobXmlRepository(_container.GetBlobClient("missing.xml")).GetAllElements());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
