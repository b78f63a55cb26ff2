using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Infrastructure;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

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

    /// <summary>
    /// Issue 30, finding 9: the store answers nobody who does not give its password (the web, or anything else that
    /// reaches its port), while both API replicas, which read the password from the vault's secret, share it (the
    /// other tests here hold only because they do). Spoken in RESP over a plain socket, as any client would.
    /// </summary>
    [Fact]
    public async Task TheSharedStore_AnswersOnlyAClientThatGivesItsPassword()
    {
        var address = await app.App.GetConnectionStringAsync(AppHost.ResourceNames.Cache, Cancellation) ?? throw new InvalidOperationException("The store has no connection string.");
        var model = app.App.Services.GetRequiredService<Aspire.Hosting.ApplicationModel.DistributedApplicationModel>();
        var password = await model.Resources.OfType<Aspire.Hosting.ApplicationModel.ParameterResource>().Single(p => p.Name == AppHost.ResourceNames.CachePassword).GetValueAsync(Cancellation);
        Assert.DoesNotContain("password", address, StringComparison.OrdinalIgnoreCase);
        var (host, port) = (address[..address.LastIndexOf(':')], int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

        async Task<string[]> SendAsync(params string[] commands)
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(host, port, Cancellation);
            using var stream = client.GetStream();
            // Each command as a RESP array of bulk strings (what every client library sends).
            var request = string.Concat(commands.Select(c => c.Split(' ')).Select(words =>
                $"*{words.Length}\r\n" + string.Concat(words.Select(w => $"${w.Length}\r\n{w}\r\n"))));
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), Cancellation);
            using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
            var replies = new string[commands.Length];
            for (var i = 0; i < replies.Length; i++)
            {
                replies[i] = await reader.ReadLineAsync(Cancellation).AsTask().WaitAsync(Infrastructure.TestTimeouts.Short, Cancellation) ?? string.Empty;
            }

            return replies;
        }

        var anonymous = await SendAsync("PING", "KEYS *", "FLUSHALL");
        var wrong = await SendAsync("AUTH not-the-password", "PING");
        var authenticated = await SendAsync($"AUTH {password}", "PING");

        Assert.All(anonymous, reply => Assert.StartsWith("-NOAUTH", reply, StringComparison.Ordinal));
        Assert.StartsWith("-", wrong[0], StringComparison.Ordinal);
        Assert.StartsWith("-NOAUTH", wrong[1], StringComparison.Ordinal);
        Assert.Equal(["+OK", "+PONG"], authenticated);
    }

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

    /// <summary>
    /// A key revoked on one replica, on the other at once (the fixture caches keys for ten minutes, so only the word
    /// through the shared store can tell it): the key's stream running there ends, and its next use there is refused at
    /// authentication, before any model call. Before: the other replica served it from its cache, then as "last known"
    /// with no time limit, each use starting a model call.
    /// </summary>
    [Fact]
    public async Task AKeyRevokedOnOneReplica_EndsItsStreamOnTheOther_AndIsRefusedThereBeforeAnyModelCall()
    {
        var user = $"revoke-{Guid.NewGuid():N}"[..20];
        var key = await OpenAiClients.NewKeyAsync(FreshConnections(user));
        var marker = "revocation " + Guid.NewGuid().ToString("N");
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 400).Select(i => $" s{i}")], TokenInterval = TimeSpan.FromMilliseconds(25) });

        // A stream through the key on one replica, and the key read there (cached for the fixture's ten minutes).
        var (streamReplica, streaming) = await PinnedAsync(user, null);
        using var request = KeyRequest(key, new { model = AppFixture.Model, stream = true, messages = new[] { new { role = "user", content = marker } } });
        using var stream = await streaming.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation);
        var upstream = await UpstreamAsync(marker);
        while (upstream.TokensSent < 5)
        {
            await Task.Delay(20, Cancellation);
        }

        // Revoked through the other replica.
        var (revokingReplica, revoking) = await PinnedAsync(user, other: streamReplica);
        var listed = await new ApiSession(revoking, user).SendAsync(HttpMethod.Get, "/api/keys");
        var keyId = (await listed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).EnumerateArray().Single().GetProperty("id").GetString();
        using var revoked = await new ApiSession(revoking, user).SendAsync(HttpMethod.Delete, $"/api/keys/{keyId}");
        var body = await stream.Content.ReadAsStringAsync(Cancellation);
        await WaitUntilAsync(() => upstream.AbortedAt is not null || upstream.TokensSent >= 400);

        // The next uses on the replica that ran the stream: refused there, and no model call.
        var afterMarker = "after revocation " + Guid.NewGuid().ToString("N");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var again = await streaming.SendAsync(KeyRequest(key, new { model = AppFixture.Model, messages = new[] { new { role = "user", content = afterMarker } } }), Cancellation);
            Assert.Equal(streamReplica, again.Headers.GetValues(ReplicaHeader.Name).Single());
            statuses.Add(again.StatusCode);
        }

        Assert.NotEqual(streamReplica, revokingReplica);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.True(upstream.TokensSent < 400, $"the stream on the other replica ran to its end: {upstream.TokensSent} tokens");
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
        Assert.DoesNotContain(app.Ollama.ChatRequests(streamingOnly: false), r => r.Messages.Any(m => m.Content == afterMarker));
        streaming.Dispose();
        revoking.Dispose();
    }

    private static HttpRequestMessage KeyRequest(string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    /// <summary>
    /// A client whose one kept-alive connection reaches one replica (the AppHost's proxy holds a connection to the
    /// replica it chose): any replica, or one other than <paramref name="other"/>.
    /// </summary>
    private async Task<(string Replica, HttpClient Client)> PinnedAsync(string user, string? other)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
            {
                BaseAddress = app.Api.BaseAddress,
                Timeout = Infrastructure.TestTimeouts.Request,
            };
            using var probe = await new ApiSession(client, user).SendAsync(HttpMethod.Get, "/api/keys");
            var replica = probe.Headers.GetValues(ReplicaHeader.Name).Single();
            if (replica != other)
            {
                return (replica, client);
            }

            client.Dispose();
        }

        throw new InvalidOperationException($"The proxy never chose a replica other than {other}.");
    }

    private async Task<OllamaDoubleRequest> UpstreamAsync(string marker)
    {
        OllamaDoubleRequest? found = null;
        await WaitUntilAsync(() => (found = app.Ollama.ChatRequests().LastOrDefault(r => r.Messages.Any(m => m.Content == marker))) is not null);
        return found!;
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
