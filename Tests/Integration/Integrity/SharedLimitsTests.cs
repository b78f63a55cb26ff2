using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration.Integrity;

/// <summary>Garnet for the shared-limits tests, started once for the class.</summary>
public sealed class GarnetFixture : IAsyncLifetime
{
    public GarnetServer Garnet { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Garnet = await GarnetServer.StartAsync();

    public ValueTask DisposeAsync()
    {
        Garnet.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Two API hosts on one store and one Garnet: a user's requests per minute and concurrent streams are counted for both
/// together; with the store gone each host counts on its own, nothing fails, and /health says Degraded.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class SharedLimitsTests(IntegrityApi api, GarnetFixture store) : IClassFixture<GarnetFixture>
{
    private (ApiSession A, ApiSession B, HttpClient HttpA, HttpClient HttpB) TwoReplicas(int requestsPerMinute = 100_000, int concurrentStreams = 1_000)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = store.Garnet.ConnectionString,
            ["Limits:RequestsPerMinute"] = requestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:ConcurrentStreams"] = concurrentStreams.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var user = "shared-" + Guid.NewGuid().ToString("N")[..10];
        var (_, a) = api.StartHost(settings);
        var (_, b) = api.StartHost(settings);
        return (new ApiSession(a, user), new ApiSession(b, user), a, b);
    }

    /// <summary>
    /// Issue 18: with the store, a warm turn's limits, stream slot, reservation and fair admission are one script call,
    /// the only script the replica sends the store before the model is called (seen by StackExchange.Redis's own
    /// profiler on the replica's connection); the reply log's registration, which nothing waits for, may go first.
    /// </summary>
    [Fact]
    public async Task AWarmTurn_SendsTheStoreOneScriptCall_BeforeTheModelIsCalled()
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:cache"] = store.Garnet.ConnectionString };
        var (host, http) = api.StartHost(settings);
        var session = new ApiSession(http, "gate-" + Guid.NewGuid().ToString("N")[..10]);
        var id = await session.CreateConversationAsync("one call");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("warm");
        Assert.NotNull((await session.ChatAsync(id, new { content = "warm up" })).Done);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        var profiler = new StackExchange.Redis.Profiling.ProfilingSession();
        var connection = host.Services.GetRequiredService<Api.Shared.SharedStore>().Connection;
        // When the API calls the model: the start of its model-call activity (this host runs in the test's process).
        var calls = new System.Collections.Concurrent.ConcurrentQueue<DateTime>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Api.Llm.LlmTelemetry.Source.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStarted = activity => calls.Enqueue(activity.StartTimeUtc),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        connection.RegisterProfiler(() => profiler);
        var turn = await session.ChatAsync(id, new { content = "now" });
        connection.RegisterProfiler(() => null);

        Assert.NotNull(turn.Done);
        var modelCalled = calls.Min();
        var commands = profiler.FinishProfiling().Where(c => c.CommandCreated.ToUniversalTime() < modelCalled).Select(c => c.Command == "EVAL" ? "EVALSHA" : c.Command).ToList();
        // One script: the limits, the slot, the reservation and admission. Besides it only the reply's log registers
        // (ReplyMirror, three SETEX sent in the background: nothing waits for them).
        Assert.Equal(["EVALSHA"], commands.Where(c => c != "SETEX"));
        Assert.InRange(commands.Count(c => c == "SETEX"), 0, 3);
    }

    /// <summary>
    /// Issue 30, finding 15, through the chat route (model-admit.lua's admission): with one model slot and a queue of
    /// ten, one user holds at most two places of the queue across both replicas; their next request is refused at once
    /// (429 llm_capacity) while another user still gets a place. A store of its own, so no other test's tickets count.
    /// </summary>
    [Fact]
    public async Task OneUser_HoldsNoMoreOfTheModelQueueThanTheirShare_AcrossReplicas()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = garnet.ConnectionString,
            ["Llm:Admission:SlotsPerServer"] = "1",
            ["Llm:Admission:MaxQueue"] = "10",
            ["Llm:Admission:MaxQueuedPerUser"] = "2",
            ["Llm:Admission:QueueTimeout"] = "00:02:00",
        };
        var (_, httpA) = api.StartHost(settings);
        var (_, httpB) = api.StartHost(settings);
        var heavyUser = "share-" + Guid.NewGuid().ToString("N")[..10];
        var (a, b) = (new ApiSession(httpA, heavyUser), new ApiSession(httpB, heavyUser));
        var other = new ApiSession(httpB, "other-" + Guid.NewGuid().ToString("N")[..10]);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await (i % 2 == 0 ? a : b).CreateConversationAsync($"share {i}"));
        }

        var otherId = await other.CreateConversationAsync("other");
        var marker = Guid.NewGuid().ToString("N")[..8];
        // The slot's holder (the next script the double takes) streams one token, then holds until the test lets it
        // finish: everything below happens while it runs. Every later request is answered at once.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");
        api.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 300).Select(i => $"t{i} ")], Hold = release, HoldAfterTokens = 1 });
        var holder = a.ChatAsync(ids[0], new { content = $"{marker} hold the slot", maxOutputTokens = 1000 });
        await Until(() => api.Ollama.ChatRequests(streamingOnly: true).Any(r => r.Messages.Any(m => m.Content.Contains(marker, StringComparison.Ordinal))));
        var queued = new[] { b.ChatAsync(ids[1], new { content = "first place" }), a.ChatAsync(ids[2], new { content = "second place" }) };
        await Until(() => QueueLength() == 2);

        var refused = await b.ChatAsync(ids[3], new { content = "a third place" });
        var others = other.ChatAsync(otherId, new { content = "my place" });
        await Until(() => QueueLength() == 3);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("llm_capacity", refused.Problem.GetProperty("code").GetString());
        Assert.False(holder.IsCompleted);
        release.SetResult();
        var results = await Task.WhenAll([holder, .. queued, others]).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        Assert.All(results, r => Assert.True(r.Done is not null, $"{(int)r.Status} {r.Body}"));
        Assert.True(results[0].Body.Contains("t299", StringComparison.Ordinal), "The holder's reply is the long one.");

        long QueueLength() => connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "llmchat:admission:*:queue")
            .Sum(k => connection.GetDatabase().SortedSetLength(k));

        static async Task Until(Func<bool> condition)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(Infrastructure.TestTimeouts.Short);
            while (!condition())
            {
                await Task.Delay(25, timeout.Token);
            }
        }
    }

    [Fact]
    public async Task RequestsPerMinute_AreCountedForBothReplicasTogether()
    {
        var (a, b, _, _) = TwoReplicas(requestsPerMinute: 5);
        var id = await a.CreateConversationAsync("limits");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");

        var results = new List<ChatResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await a.ChatAsync(id, new { content = $"a{i}" }));
            results.Add(await b.ChatAsync(id, new { content = $"b{i}" }));
        }

        Assert.Equal(5, results.Count(r => r.Done is not null));
        var refused = Assert.Single(results, r => r.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal("requests_per_minute", refused.Problem.GetProperty("code").GetString());
        Assert.NotNull(refused.RetryAfterSeconds);
    }

    [Fact]
    public async Task ConcurrentStreams_AreCountedForBothReplicasTogether()
    {
        var (a, b, _, _) = TwoReplicas(concurrentStreams: 1);
        var first = await a.CreateConversationAsync("one");
        var second = await b.CreateConversationAsync("two");
        // Both replicas warm (their store connections up), so the order of the requests below is the order they arrive.
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("warm");
        Assert.NotNull((await a.ChatAsync(first, new { content = "warm a" })).Done);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.NotNull((await b.ChatAsync(second, new { content = "warm b" })).Done);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 30).Select(i => $"t{i} ")], TokenInterval = TimeSpan.FromMilliseconds(40) };

        var streaming = a.ChatAsync(first, new { content = "long" });
        await Task.Delay(400, TestContext.Current.CancellationToken);
        var other = await b.ChatAsync(second, new { content = "meanwhile" });
        var done = await streaming;
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");
        // A slot is given back without waiting (a stream's end never waits on the store): another replica sees it
        // free a moment later.
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var after = await b.ChatAsync(second, new { content = "after" });

        Assert.True(done.Done is not null, $"{(int)done.Status} {done.Error?.Data ?? done.Body}");
        Assert.Equal(HttpStatusCode.TooManyRequests, other.Status);
        Assert.Equal("concurrent_streams", other.Problem.GetProperty("code").GetString());
        Assert.NotNull(after.Done);
    }

    [Fact]
    public async Task StoreGone_EachReplicaCountsOnItsOwn_NothingFails_AndHealthIsDegraded_ThenRecovers()
    {
        var (a, b, httpA, httpB) = TwoReplicas(requestsPerMinute: 100);
        var id = await a.CreateConversationAsync("store away");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");
        Assert.NotNull((await a.ChatAsync(id, new { content = "before" })).Done);

        store.Garnet.Stop();
        try
        {
            var during = new[] { await a.ChatAsync(id, new { content = "during a" }), await b.ChatAsync(id, new { content = "during b" }) };
            using var health = await httpA.GetAsync("/health", TestContext.Current.CancellationToken);
            var checks = JsonDocument.Parse(await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("checks");

            Assert.All(during, r => Assert.NotNull(r.Done));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Degraded", checks.GetProperty(Api.Shared.SharedStoreHealthCheck.Name).GetProperty("status").GetString());

            // Replies still stream, resumable only on their own replica: the other says so (503), never a 5xx crash.
            api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 12).Select(i => $"d{i} ")], TokenInterval = TimeSpan.FromMilliseconds(40) };
            var head = await a.ChatAsync(id, new { content = "dropped during" }, stopAfterDeltas: 2);
            var elsewhere = await b.ResumeAsync(id, head.Events.Last().Id);
            var here = await a.ResumeAsync(id, head.Events.Last().Id);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, elsewhere.Status);
            Assert.Equal("shared_store_unavailable", elsewhere.Problem.GetProperty("code").GetString());
            Assert.NotNull(elsewhere.RetryAfterSeconds);
            Assert.Equal(string.Concat(Enumerable.Range(0, 12).Select(i => $"d{i} ")), head.Text + here.Text);
        }
        finally
        {
            await store.Garnet.StartAgainAsync();
        }

        // Both replicas recover by themselves: each says Healthy once it works through the store again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string status;
        do
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            var statuses = new List<string>();
            foreach (var host in new[] { httpA, httpB })
            {
                using var health = await host.GetAsync("/health", TestContext.Current.CancellationToken);
                statuses.Add(JsonDocument.Parse(await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("checks").GetProperty(Api.Shared.SharedStoreHealthCheck.Name).GetProperty("status").GetString()!);
            }

            status = statuses.All(s => s == "Healthy") ? "Healthy" : string.Join(", ", statuses);
        }
        while (status != "Healthy" && DateTime.UtcNow < deadline);

        Assert.Equal("Healthy", status);
        Assert.NotNull((await b.ChatAsync(id, new { content = "after" })).Done);

        // Back to shared: a reply dropped on one replica is resumed from the other.
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 12).Select(i => $"e{i} ")], TokenInterval = TimeSpan.FromMilliseconds(40) };
        var dropped = await a.ChatAsync(id, new { content = "dropped after" }, stopAfterDeltas: 2);
        var rest = await b.ResumeAsync(id, dropped.Events.Last().Id);
        Assert.Equal(string.Concat(Enumerable.Range(0, 12).Select(i => $"e{i} ")), dropped.Text + rest.Text);
        Assert.Equal("complete", rest.Done!.Json.GetProperty("status").GetString());
    }
}
