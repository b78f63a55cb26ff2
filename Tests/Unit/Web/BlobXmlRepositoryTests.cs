using System.Xml.Linq;
using Azure.Storage.Blobs;
using Tests.Infrastructure;
using Web.Security;

namespace Tests.Unit.Web;

/// <summary>The web's shared Data Protection key ring, against Azurite's blob service (npm, a real emulator).</summary>
public sealed class BlobXmlRepositoryTests : IAsyncLifetime
{
    private AzuriteEmulator? _azurite;
    private BlobContainerClient _container = null!;

    public async ValueTask InitializeAsync()
    {
        _azurite = AzuriteEmulator.Start();
        _container = new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient("dataprotection");
        await AzuriteEmulator.WaitUntilReadyAsync(() => _container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync()
    {
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
}
