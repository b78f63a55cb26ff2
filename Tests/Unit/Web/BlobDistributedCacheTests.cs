using Azure.Storage.Blobs;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using Tests.Infrastructure;
using Web.Auth;

namespace Tests.Unit.Web;

/// <summary>
/// The web's token cache in a blob container (issue 30, finding 9: the web no longer reaches the API's store), against
/// Azurite's blob service (npm, a real emulator). Time is a fake clock, so expiry is decided by the test, not by waiting.
/// </summary>
public sealed class BlobDistributedCacheTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private AzuriteEmulator? _azurite;
    private BlobContainerClient _container = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _azurite = AzuriteEmulator.Start();
        _container = new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient("tokencache");
        await AzuriteEmulator.WaitUntilReadyAsync(() => _container.CreateIfNotExistsAsync(cancellationToken: Token));
    }

    public ValueTask DisposeAsync()
    {
        _azurite?.Dispose();
        return ValueTask.CompletedTask;
    }

    private BlobDistributedCache Replica() => new(_container, _time);

    [Fact]
    public async Task AnEntryWrittenByOneReplica_IsReadByAnother_UntilRemoved()
    {
        await Replica().SetAsync("user-1.tokens", [1, 2, 3], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Token);

        Assert.Equal([1, 2, 3], await Replica().GetAsync("user-1.tokens", Token));
        Assert.Null(await Replica().GetAsync("user-2.tokens", Token));

        await Replica().RemoveAsync("user-1.tokens", Token);
        Assert.Null(await Replica().GetAsync("user-1.tokens", Token));
    }

    [Fact]
    public async Task AKey_IsNeverABlobName_OnlyItsHash()
    {
        await Replica().SetAsync("alice@contoso.com/../tokens", [9], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Token);

        var names = new List<string>();
        await foreach (var blob in _container.GetBlobsAsync(cancellationToken: Token))
        {
            names.Add(blob.Name);
        }

        var name = Assert.Single(names);
        Assert.Matches("^[0-9a-f]{64}$", name);
        Assert.DoesNotContain("alice", name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAbsoluteEntry_LapsesAtItsTime_AndIsDeleted()
    {
        var cache = Replica();
        await cache.SetAsync("k", [7], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, Token);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([7], await cache.GetAsync("k", Token));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("k", Token));
        Assert.False(await _container.GetBlobClient(BlobDistributedCache.BlobName("k")).ExistsAsync(Token));
    }

    [Fact]
    public async Task ASlidingEntry_LivesWhileRead_ButNeverPastItsAbsoluteLimit()
    {
        var cache = Replica();
        await cache.SetAsync("k", [5], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(25) }, Token);

        // Read every 6 minutes: each read past half the window pushes the expiry on.
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(6));
            Assert.Equal([5], await cache.GetAsync("k", Token));
        }

        // 18 minutes in: alive only because it was read. The absolute limit (25) still ends it.
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal([5], await cache.GetAsync("k", Token));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("k", Token));
    }

    [Fact]
    public async Task ASlidingEntry_NotRead_Lapses()
    {
        var cache = Replica();
        await cache.SetAsync("k", [5], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) }, Token);

        _time.Advance(TimeSpan.FromMinutes(6));
        await cache.RefreshAsync("k", Token);
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal([5], await cache.GetAsync("k", Token));

        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Null(await cache.GetAsync("k", Token));
    }

    [Fact]
    public async Task AnExpiryInThePast_IsRefused_AndAStoreThatIsAway_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Replica().SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddSeconds(-1) }, Token));

        // The token cache adapter turns a thrown read into a miss (OnL2CacheFailure); the cache never answers "absent" for "unreachable".
        var away = new BlobDistributedCache(new BlobContainerClient(new Uri("http://127.0.0.1:1/devstoreaccount1/tokencache"), new BlobClientOptions { Retry = { MaxRetries = 0 } }), _time);
        await Assert.ThrowsAnyAsync<Exception>(() => away.GetAsync("k", Token));
    }
}
