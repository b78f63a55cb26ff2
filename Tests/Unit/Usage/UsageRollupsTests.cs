using Api.Usage;
using Azure.Data.Tables;
using Tests.Infrastructure;

namespace Tests.Unit.Usage;

/// <summary>
/// One roll-up written by two "replicas" (two <see cref="UsageRollups"/> on one table) at once and in turns: each
/// replica sends the roll-up it wrote last without reading it, so a row the other wrote since must fail on its ETag
/// and be read again. The roll-up ends exactly the sum of its requests, none lost, none counted twice.
/// </summary>
public sealed class UsageRollupsTests
{
    [Fact]
    public async Task TwoReplicas_AddingToOneRollup_AtOnceAndInTurns_SumItsRequestsExactly()
    {
        using var azurite = AzuriteEmulator.Start();
        var tables = new TableServiceClient(azurite.ConnectionString);
        await AzuriteEmulator.WaitUntilReadyAsync(() => tables.GetTableClient("probe").CreateIfNotExistsAsync(TestContext.Current.CancellationToken));
        var replicas = new[] { new UsageRollups(tables, TimeProvider.System), new UsageRollups(tables, TimeProvider.System) };
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var user = "u_" + Guid.NewGuid().ToString("N")[..12];
        var n = 0;
        UsageRecord Next() => new(user, day, $"req{Interlocked.Increment(ref n):D4}", "chat", "chat", null, 3, 5, "complete") { GenerationMs = 7 };

        // In turns: each replica's remembered row is stale after the other's write.
        for (var i = 0; i < 6; i++)
        {
            await replicas[i % 2].AddAsync(Next(), TestContext.Current.CancellationToken);
        }

        // At once: 40 requests, 20 from each replica.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => replicas[i % 2].AddAsync(Next(), TestContext.Current.CancellationToken)));

        // And a retry of a request already written adds nothing.
        await replicas[0].AddAsync(new UsageRecord(user, day, "req0001", "chat", "chat", null, 3, 5, "complete") { GenerationMs = 7 }, TestContext.Current.CancellationToken);

        var rollup = Assert.Single(await replicas[1].ReadDayAsync(day, TestContext.Current.CancellationToken), r => r.UserKey == user);
        var requests = (await replicas[1].ReadRequestsAsync(day, TestContext.Current.CancellationToken)).Count(r => r.UserKey == user);
        Assert.Equal((46, 46L, 46 * 3L, 46 * 5L, 46 * 7L), (requests, rollup.Requests, rollup.PromptTokens, rollup.OutputTokens, rollup.GenerationMs));
    }
}
