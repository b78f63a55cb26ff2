using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Api.Infrastructure;
using Api.Usage;
using Azure.Data.Tables;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>
/// A group's daily budget with two real API replicas sharing one store: a burst from the group's members, spread over
/// both replicas, uses the budget to the token and passes it by none (the figures are in docs/benchmarks.md,
/// "Group budgets across replicas (issue 20)").
/// </summary>
[Collection(ReplicasAppCollection.Name)]
public sealed class GroupBudgetReplicasTests(ReplicasAppFixture app) : IAsyncLifetime
{
    private const int Budget = 45;
    private const int Cap = 10;
    private const int Members = 4;
    private const int RequestsEach = 3;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ApiSession FreshConnections(string user, string? roles = null, string? groups = null) => new(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, MaxConnectionsPerServer = 1000 })
    {
        BaseAddress = app.Api.BaseAddress,
        DefaultRequestHeaders = { ConnectionClose = true },
        Timeout = Infrastructure.TestTimeouts.Request,
    }, user) { Roles = roles, Groups = groups };

    [Fact]
    public async Task ABurstFromOneGroupAcrossBothReplicas_UsesItsBudgetToTheToken_AndPassesItByNone()
    {
        var group = Guid.NewGuid().ToString();
        var admin = FreshConnections($"admin-{Guid.NewGuid():N}"[..20], roles: "Admin");
        using (var set = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/api/admin/quotas/group/{group}") { Content = new StringContent($$"""{"dailyTokens":{{Budget}}}""", Encoding.UTF8, "application/json") }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var members = Enumerable.Range(0, Members).Select(i => FreshConnections($"grp{i}-{Guid.NewGuid():N}"[..20], groups: group)).ToList();
        await BothReplicasKnowTheBudgetAsync(members[0], group);
        // Every reply would run past its cap: what each one uses is what it was given. The burst starts at once after
        // the budget is known everywhere: each turn makes its conversation, then sends (a quota read in flight when the
        // budget was set must not hide it for a few seconds on one replica: QuotaBookTests).
        app.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 40).Select(i => $"t{i} ")], TokenInterval = TimeSpan.FromMilliseconds(5) };
        var results = await Task.WhenAll(members.SelectMany(m => Enumerable.Range(0, RequestsEach).Select(async _ =>
            await m.ChatAsync(await m.CreateConversationAsync("burst"), new { content = "spend", maxOutputTokens = Cap }))));

        var answered = results.Where(r => r.Done is not null).ToList();
        var refused = results.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        var replicas = results.Select(r => r.Response.Headers.GetValues(ReplicaHeader.Name).Single()).Distinct().Count();
        var settled = await SettledAsync(members.Select(m => m.User).ToHashSet(), answered.Count);
        var used = settled.Sum(r => (long)r.OutputTokens);
        TestContext.Current.SendDiagnosticMessage($"group budget {Budget}: {results.Length} requests over {replicas} replicas, {answered.Count} answered, {refused.Count} refused (group_daily_tokens), {used} tokens settled, overshoot {Math.Max(0, used - Budget)}; settled: {string.Join(" ", settled.Select(r => $"{r.Route}:{r.OutputTokens}"))}");

        Assert.Equal(2, replicas);
        Assert.Equal(Budget, used);
        Assert.Equal(results.Length, answered.Count + refused.Count);
        Assert.All(refused, r => Assert.Equal("group_daily_tokens", r.Problem.GetProperty("code").GetString()));
        // The burst's own replies (titles, made after, share the budget too and find little or none left).
        Assert.InRange(answered.Count, Budget / Cap, Budget / Cap + 1);
    }

    /// <summary>Until a member's own view, asked of each replica, shows the group's budget (each replica reads the quotas every few seconds).</summary>
    private static async Task BothReplicasKnowTheBudgetAsync(ApiSession member, string group)
    {
        var knowing = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; knowing.Count < 2; attempt++)
        {
            Assert.True(attempt < 400, "Both replicas should read the new quota within a few refreshes.");
            using var me = await member.SendAsync(HttpMethod.Get, "/api/usage/me");
            var budgets = (await me.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("groupBudgets");
            if (budgets.EnumerateArray().Any(b => b.GetProperty("group").GetString() == group && b.GetProperty("dailyTokens").GetInt32() == Budget))
            {
                knowing.Add(me.Headers.GetValues(ReplicaHeader.Name).Single());
            }
            else
            {
                await Task.Delay(50, Cancellation);
            }
        }
    }

    /// <summary>
    /// The members' requests today as the ledger settled them (titles included), once the answered ones are there and
    /// the settled tokens reach the budget (the titles, made after the replies, settle last), or the wait's deadline
    /// passed: a ledger short of the budget is then what the test sees.
    /// </summary>
    private async Task<List<UsageRecord>> SettledAsync(IReadOnlySet<string> users, int atLeast)
    {
        var rollups = new UsageRollups(new TableServiceClient(await app.TablesConnectionStringAsync()), TimeProvider.System);
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var deadline = DateTime.UtcNow + Infrastructure.TestTimeouts.Request;
        while (true)
        {
            var rows = (await rollups.ReadRequestsAsync(day, Cancellation)).Where(r => users.Contains(r.UserId)).ToList();
            if ((rows.Count(r => r.Route == "chat") >= atLeast && rows.Sum(r => (long)r.OutputTokens) >= Budget) || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(100, Cancellation);
        }
    }
}
