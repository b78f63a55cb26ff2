using Api.Shared;
using Microsoft.Extensions.Configuration;

namespace Tests.Unit.Shared;

/// <summary>How the API opens its blob containers (the audit trail's copy, the backups): a connection string first, else a URI.</summary>
public sealed class BlobContainerConnectionTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void AConnectionString_NamesTheService_AndTheContainerIsTheNameGiven()
    {
        var container = BlobContainerConnection.Open(Configuration(("ConnectionStrings:backups", "UseDevelopmentStorage=true")), "backups", "backups", "https://elsewhere.blob.core.windows.net/backups");

        Assert.NotNull(container);
        Assert.Equal("backups", container.Name);
        Assert.Equal("devstoreaccount1", container.AccountName);
    }

    [Fact]
    public void WithoutAConnectionString_TheContainersUri_IsReachedAsTheWorkloadIdentity()
    {
        var container = BlobContainerConnection.Open(Configuration(), "audit", "audit", "https://stx7k2p9.blob.core.windows.net/audit");

        Assert.NotNull(container);
        Assert.Equal("audit", container.Name);
        Assert.Equal("stx7k2p9", container.AccountName);
        Assert.False(container.CanGenerateSasUri);
    }

    [Fact]
    public void Neither_IsNoContainer()
    {
        Assert.Null(BlobContainerConnection.Open(Configuration(("ConnectionStrings:other", "UseDevelopmentStorage=true")), "audit", "audit", null));
        Assert.Null(BlobContainerConnection.Open(Configuration(), "audit", "audit", ""));
    }
}
