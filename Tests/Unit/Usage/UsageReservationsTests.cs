using Api.Llm;
using Api.Shared;
using Api.Usage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.Usage;

/// <summary>
/// The usage reservations' script, run by a real Garnet (as replicas share it): a reservation takes what is wanted or
/// what is left of the day beside the used tokens and the others' reservations, none when nothing is left, and a
/// released one frees its tokens. The store must stay usable throughout: a script it refuses would leave each replica
/// counting alone.
/// </summary>
public sealed class UsageReservationsTests
{
    [Fact]
    public async Task Reservations_AreCappedToWhatIsLeft_RefusedWhenNothingIs_AndFreedWhenReleased()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var store = new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection);
        var reservations = new UsageReservations(store, new UsageDayTotals(), Options.Create(new LlmOptions()), TimeProvider.System);
        var day = DateOnly.FromDateTime(DateTime.UtcNow);

        var first = await reservations.ReserveAsync("u_test", day, used: 1_000, quota: 3_000, wanted: 1_500);
        var second = await reservations.ReserveAsync("u_test", day, used: 1_000, quota: 3_000, wanted: 1_500);
        var none = await reservations.ReserveAsync("u_test", day, used: 1_000, quota: 3_000, wanted: 10);
        await first!.ReleaseAsync();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var afterRelease = await reservations.ReserveAsync("u_test", day, used: 1_000, quota: 3_000, wanted: 2_000);

        Assert.Equal(1_500, first.Tokens);
        Assert.Equal(500, second!.Tokens);
        Assert.Null(none);
        Assert.Equal(1_500, afterRelease!.Tokens);
        Assert.True(store.Usable, store.Failure);
        Assert.Equal(2, await connection.GetDatabase().SortedSetLengthAsync($"llmchat:usage:u_test:{day:yyyyMMdd}"));
    }
}
