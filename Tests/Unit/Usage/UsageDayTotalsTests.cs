using Api.Conversations;
using Api.Limits;
using Api.Llm;
using Api.Shared;
using Api.Usage;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.Usage;

/// <summary>
/// Reserving reads the day's settled total from memory or the shared store, not from the table (issue 18), and the
/// quota still holds across replicas: two ledgers (two replicas) on one real Garnet and one Azurite. A replica that
/// knew the user's total before another replica settled tokens still sees those tokens; a replica that has never seen
/// the user reads the table once; the store's total gone, the next reservation seeds it again from the ledger.
/// </summary>
public sealed class UsageDayTotalsTests : IAsyncLifetime
{
    private const int Quota = 3_000;
    private AzuriteEmulator? _azurite;
    private GarnetServer? _garnet;
    private ConnectionMultiplexer? _connection;
    private TableServiceClient _tables = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _azurite = AzuriteEmulator.Start();
        _tables = new TableServiceClient(_azurite.ConnectionString);
        _garnet = await GarnetServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_garnet.ConnectionString + ",allowAdmin=true");
        await AzuriteEmulator.WaitUntilReadyAsync(async () => await _tables.GetTableClient(new ConversationOptions().TableName).CreateIfNotExistsAsync(Cancellation));
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _garnet?.Dispose();
        _azurite?.Dispose();
    }

    private (UsageLedger Ledger, UsageDayTotals Totals, SharedStore Store) Replica(bool shared = true)
    {
        var store = new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, shared ? _connection : null);
        var totals = new UsageDayTotals();
        var usage = new UsageStore(_tables, new UsageRollups(_tables, TimeProvider.System), Options.Create(new ConversationOptions()), TimeProvider.System);
        var ledger = new UsageLedger(usage, new UsageReservations(store, totals, Options.Create(new LlmOptions()), TimeProvider.System), totals,
            new UsageOutbox(), Options.Create(new UserLimitsOptions { OutputTokensPerDay = Quota }), TimeProvider.System, NullLogger<UsageLedger>.Instance);
        return (ledger, totals, store);
    }

    private static UsageRecord Used(string user, UsageReservation reservation, int tokens) =>
        new(user, reservation.Day, reservation.Id, "chat", "m", null, 10, tokens, "complete");

    [Fact]
    public async Task AReplicaThatKnewTheTotal_SeesWhatAnotherReplicaSettled_AndTheQuotaHolds()
    {
        var user = $"u_{Guid.NewGuid():N}";
        var (a, aTotals, aStore) = Replica();
        var (b, bTotals, _) = Replica();

        // B sees the user first (its memory now holds 0 for the day), and gives its reservation back unused.
        var (early, _) = await b.ReserveAsync(user, 100, Cancellation);
        await early!.ReleaseAsync();
        Assert.Equal(0, bTotals.Known(user, early.Day));

        // A settles 2,500 of the 3,000.
        var (big, _) = await a.ReserveAsync(user, 2_500, Cancellation);
        await a.SettleAsync(big!, Used(user, big!, 2_500));

        // B asks for 2,000: only 500 are left, whatever its memory said.
        var (late, refusal) = await b.ReserveAsync(user, 2_000, Cancellation);
        Assert.Null(refusal);
        Assert.Equal(500, late!.Tokens);
        await b.SettleAsync(late, Used(user, late, 500));
        var (none, exhausted) = await a.ReserveAsync(user, 10, Cancellation);
        Assert.Null(none);
        Assert.Equal("daily_tokens", exhausted!.Kind.Code);

        // The ledger's row agrees with the store's total, and each replica learned the total from the store.
        var day = await new UsageStore(_tables, new UsageRollups(_tables, TimeProvider.System), Options.Create(new ConversationOptions()), TimeProvider.System).GetDayAsync(user, late.Day, Cancellation);
        Assert.Equal(3_000, day.OutputTokens);
        Assert.NotNull(big);
        Assert.Equal(3_000, bTotals.Known(user, late.Day));
        Assert.True(aStore.Usable, aStore.Failure);
        Assert.Equal(2_500, aTotals.Known(user, late.Day));
    }

    /// <summary>Each replica adds to the day's row under the ETag it wrote last, without reading it first; one the other replica wrote since is read again, and nothing is lost.</summary>
    [Fact]
    public async Task TwoReplicasAddingToOneDay_InTurns_TheRowCountsEveryRequest()
    {
        var user = $"u_{Guid.NewGuid():N}";
        var options = Options.Create(new ConversationOptions());
        var (a, b) = (new UsageStore(_tables, new UsageRollups(_tables, TimeProvider.System), options, TimeProvider.System), new UsageStore(_tables, new UsageRollups(_tables, TimeProvider.System), options, TimeProvider.System));
        var day = DateOnly.FromDateTime(DateTime.UtcNow);

        for (var i = 0; i < 6; i++)
        {
            var store = i % 3 == 2 ? b : a;
            await store.AddAsync(new UsageRecord(user, day, $"r{i}", "chat", "m", null, 1, 10, "complete"), Cancellation);
        }

        var total = await a.GetDayAsync(user, day, Cancellation);
        Assert.Equal(60, total.OutputTokens);
        Assert.Equal(6, total.Requests);
        Assert.Equal(6, (await a.GetRequestsAsync(user, day, Cancellation)).Count);
    }

    [Fact]
    public async Task TheStoresTotalGone_TheNextReservationSeedsItFromTheLedger_NotFromZero()
    {
        var user = $"u_{Guid.NewGuid():N}";
        var (a, _, _) = Replica();
        var (big, _) = await a.ReserveAsync(user, 2_800, Cancellation);
        await a.SettleAsync(big!, Used(user, big!, 2_800));

        await _connection!.GetServers()[0].FlushAllDatabasesAsync();
        var (fresh, _, _) = Replica();
        var (late, _) = await fresh.ReserveAsync(user, 1_000, Cancellation);

        Assert.Equal(200, late!.Tokens);
    }

    /// <summary>The store lost its total while a replica still remembered an old one: the ledger's row seeds it, not the memory.</summary>
    [Fact]
    public async Task TheStoresTotalGone_AReplicasOldCountDoesNotSeedIt()
    {
        var user = $"u_{Guid.NewGuid():N}";
        var (a, aTotals, _) = Replica();
        var (b, _, _) = Replica();
        var (early, _) = await a.ReserveAsync(user, 100, Cancellation);
        await early!.ReleaseAsync();
        Assert.Equal(0, aTotals.Known(user, early.Day));

        var (big, _) = await b.ReserveAsync(user, 2_800, Cancellation);
        await b.SettleAsync(big!, Used(user, big!, 2_800));
        await _connection!.GetServers()[0].FlushAllDatabasesAsync();
        var (late, _) = await a.ReserveAsync(user, 1_000, Cancellation);

        Assert.Equal(200, late!.Tokens);
    }

    /// <summary>Without the store a replica trusts its count for a while, then reads the ledger again: what other replicas settled counts.</summary>
    [Fact]
    public async Task WithoutAStore_AnOldCountIsReadAgain_AndOtherReplicasSettlementsCount()
    {
        var user = $"u_{Guid.NewGuid():N}";
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var totals = new UsageDayTotals(time);
        var a = new UsageLedger(new UsageStore(_tables, new UsageRollups(_tables, TimeProvider.System), Options.Create(new ConversationOptions()), time),
            new UsageReservations(new SharedStore(time, NullLogger<SharedStore>.Instance), totals, Options.Create(new LlmOptions()), time), totals,
            new UsageOutbox(), Options.Create(new UserLimitsOptions { OutputTokensPerDay = Quota }), time, NullLogger<UsageLedger>.Instance);
        var (first, _) = await a.ReserveAsync(user, 100, Cancellation);
        await first!.ReleaseAsync();

        // Another replica settles 2,500 straight into the ledger.
        await new UsageStore(_tables, new UsageRollups(_tables, TimeProvider.System), Options.Create(new ConversationOptions()), time).AddAsync(new UsageRecord(user, first.Day, "other", "chat", "m", null, 1, 2_500, "complete"), Cancellation);
        var (stale, _) = await a.ReserveAsync(user, 1_000, Cancellation);
        await stale!.ReleaseAsync();
        time.Advance(UsageDayTotals.FreshFor);
        var (fresh, _) = await a.ReserveAsync(user, 1_000, Cancellation);

        Assert.Equal(1_000, stale.Tokens);
        Assert.Equal(500, fresh!.Tokens);
    }

    [Fact]
    public async Task WithoutAStore_AReplicaCountsWhatItSettles_WithoutReadingTheTableAgain()
    {
        var user = $"u_{Guid.NewGuid():N}";
        var (a, totals, _) = Replica(shared: false);
        var (first, _) = await a.ReserveAsync(user, 1_000, Cancellation);
        await a.SettleAsync(first!, Used(user, first!, 1_000));
        Assert.Equal(1_000, totals.Known(user, first!.Day));

        // The table is gone (its rows too): the replica's own count still holds the quota.
        await _tables.DeleteTableAsync(new ConversationOptions().TableName, Cancellation);
        var (second, _) = await a.ReserveAsync(user, 5_000, Cancellation);
        Assert.Equal(2_000, second!.Tokens);
    }
}
