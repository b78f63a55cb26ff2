using System.Diagnostics;
using System.Net;
using Api.Infrastructure;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>
/// Two real API replicas in the Aspire harness, one store: a user's limits hold for both, admission caps what reaches
/// the model whichever replica takes a request, the queue is fair across users (measured), and a reply dropped by its
/// client on one replica is resumed, whole, from the other.
/// </summary>
[Collection(ReplicasAppCollection.Name)]
public sealed class ReplicasTests(ReplicasAppFixture app) : IAsyncLifetime
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A session whose every request opens its own connection, so the AppHost's proxy spreads them over the replicas.</summary>
    private ApiSession FreshConnections(string user) => new(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, MaxConnectionsPerServer = 1000 })
    {
        BaseAddress = app.Api.BaseAddress,
        DefaultRequestHeaders = { ConnectionClose = true },
        Timeout = Infrastructure.TestTimeouts.Request,
    }, user);

    [Fact]
    public async Task RequestsPerMinute_HoldForBothReplicasTogether()
    {
        var user = FreshConnections($"rpm-{Guid.NewGuid():N}"[..20]);
        var id = await user.CreateConversationAsync("limits");
        app.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");

        var results = new List<ChatResult>();
        for (var i = 0; i < ReplicasAppFixture.RequestsPerMinute + 4; i++)
        {
            results.Add(await user.ChatAsync(id, new { content = $"m{i}", maxOutputTokens = 4 }));
        }

        var replicas = results.Select(r => r.Response.Headers.GetValues(ReplicaHeader.Name).Single()).Distinct().Count();
        Assert.Equal(2, replicas);
        Assert.Equal(ReplicasAppFixture.RequestsPerMinute, results.Count(r => r.Done is not null));
        Assert.All(results.Where(r => r.Done is null), r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal("requests_per_minute", r.Problem.GetProperty("code").GetString());
            Assert.NotNull(r.RetryAfterSeconds);
        });
    }

    [Fact]
    public async Task Admission_CapsWhatReachesTheModel_WhicheverReplicaTakesTheRequests()
    {
        app.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 6).Select(i => $"t{i} ")], TokenInterval = TimeSpan.FromMilliseconds(40) };
        var sessions = Enumerable.Range(0, 3).Select(i => FreshConnections($"cap{i}-{Guid.NewGuid():N}"[..20])).ToList();
        var conversations = await Task.WhenAll(sessions.Select(s => s.CreateConversationAsync("cap")));
        var before = app.Ollama.ChatRequests().Count;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => sessions[i % 3].ChatAsync(conversations[i % 3], new { content = $"c{i}" })));

        Assert.All(results, r => Assert.NotNull(r.Done));
        Assert.Equal(2, results.Select(r => r.Response.Headers.GetValues(ReplicaHeader.Name).Single()).Distinct().Count());
        // One slot for the whole backend (SlotsPerServer 1 × one server): never two calls at once, from either replica.
        Assert.Equal(1, app.Ollama.MaxInFlight);
        Assert.Equal(before + 8, app.Ollama.ChatRequests().Count);
    }

    [Fact]
    public async Task Fairness_AnotherUsersFirstRequest_OvertakesAHeavyUsersBacklogOf50()
    {
        var slot = TimeSpan.FromMilliseconds(150);
        app.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["a ", "b ", "c "], TokenInterval = slot / 3 };
        var heavy = FreshConnections($"heavy-{Guid.NewGuid():N}"[..20]);
        var light = FreshConnections($"light-{Guid.NewGuid():N}"[..20]);
        var heavyConversation = await heavy.CreateConversationAsync("heavy");
        var lightConversation = await light.CreateConversationAsync("light");
        var before = app.Ollama.ChatRequests().Count;

        var backlog = Enumerable.Range(0, 50).Select(i => heavy.ChatAsync(heavyConversation, new { content = $"heavy {i}" })).ToList();
        // Let the backlog reach the queue: a few of its requests are served meanwhile, the rest wait.
        await Task.Delay(TimeSpan.FromSeconds(2), Cancellation);
        var heavyStartedBefore = app.Ollama.ChatRequests().Count - before;
        var first = await light.ChatAsync(lightConversation, new { content = "light first" });
        await Task.WhenAll(backlog);

        Assert.NotNull(first.Done);
        Assert.True(heavyStartedBefore < 45, $"The backlog was nearly served ({heavyStartedBefore} of 50) before the light user asked: the test measured nothing.");
        var order = app.Ollama.ChatRequests().Skip(before).Select(r => r.Body!.Value.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString()).ToList();
        var lightPosition = order.IndexOf("light first");
        var heavyAfterLight = order.Count - lightPosition - 1;
        var waitingWhenSent = 50 - heavyStartedBefore;
        // Order, not time: served ahead of the backlog that waited when it asked, not behind it. A busy machine may let a
        // few more heavy requests start while the light one is read and checked; it still overtakes most of the queue.
        Assert.True(lightPosition >= heavyStartedBefore, $"light served at {lightPosition}, before the {heavyStartedBefore} already started");
        Assert.True(heavyAfterLight * 2 >= waitingWhenSent, $"light served at {lightPosition} of {order.Count}: only {heavyAfterLight} of the {waitingWhenSent} waiting heavy requests came after it.");
    }

    [Fact]
    public async Task Resume_FromTheOtherReplica_AfterTheClientDropped_GivesTheRestWithoutGapOrRepeat()
    {
        var tokens = Enumerable.Range(0, 40).Select(i => $"r{i} ").ToArray();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = tokens, TokenInterval = TimeSpan.FromMilliseconds(50) });
        var user = FreshConnections($"resume-{Guid.NewGuid():N}"[..20]);
        var id = await user.CreateConversationAsync("resume");

        var head = await user.ChatAsync(id, new { content = "a reply to resume" }, stopAfterDeltas: 5);
        var servedBy = head.Response.Headers.GetValues(ReplicaHeader.Name).Single();
        var lastSeen = head.Events.Last().Id!;

        // Ask until the other replica answers (the proxy picks one per connection); the same replica's answers are set aside.
        var tail = await ReadRestFromOtherReplicaAsync(user, id, lastSeen, servedBy);

        Assert.NotNull(tail);
        Assert.Equal(HttpStatusCode.OK, tail.Status);
        Assert.Equal(string.Concat(tokens), head.Text + tail.Text);
        Assert.Equal("complete", tail.Done!.Json.GetProperty("status").GetString());
        // Event ids carry on from the last one seen, one by one.
        var indexes = tail.Events.Select(e => int.Parse(e.Id!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(int.Parse(lastSeen.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) + 1, indexes.Count), indexes);
        var saved = (await user.GetConversationAsync(id)).GetProperty("messages");
        Assert.Equal(string.Concat(tokens), saved[1].GetProperty("content").GetString());
    }

    private static async Task<ChatResult?> ReadRestFromOtherReplicaAsync(ApiSession user, string id, string lastSeen, string servedBy)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var result = await user.ResumeAsync(id, lastSeen);
            if (result.Response.Headers.GetValues(ReplicaHeader.Name).Single() != servedBy)
            {
                return result;
            }
        }

        return null;
    }
}
