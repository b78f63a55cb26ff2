using Api.Llm;
using Api.Shared;
using Api.Usage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.Usage;

/// <summary>
/// A group's budget in the shared store, reserved by many callers at once from two "replicas" (two connections): the
/// reservation script must run alone, as scripts do on Redis. Garnet runs scripts from different connections at once
/// unless started with <c>--lua-transaction-mode</c> (its scripts then lock their keys): without it this test holds
/// 50 of a budget of 45.
/// </summary>
public sealed class GroupBudgetStoreTests
{
    [Fact]
    public async Task ManyReservationsAtOnce_FromTwoReplicas_NeverHoldMoreThanTheBudget()
    {
        using var garnet = await GarnetServer.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var replicas = new List<UsageReservations>();
        var connections = new List<ConnectionMultiplexer>();
        for (var i = 0; i < 2; i++)
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
            connections.Add(connection);
            var store = new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection);
            replicas.Add(new UsageReservations(store, new UsageDayTotals(), Options.Create(new LlmOptions()), TimeProvider.System));
        }

        // As GroupBudgets reserves: the store's total first, else seeded (nothing settled yet on a day's first burst).
        var key = "group:" + Guid.NewGuid();
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        async Task<int> ReserveAsync(UsageReservations replica)
        {
            var (reservation, needsTotal) = await replica.TryReserveAsync(key, day, null, 45, 10);
            if (needsTotal)
            {
                (reservation, _) = await replica.TryReserveAsync(key, day, 0, 45, 10);
            }

            return reservation?.Tokens ?? 0;
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() => ReserveAsync(replicas[i % 2]), ct)));

        try
        {
            Assert.Equal(45, results.Sum());
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
