using System.Net;
using System.Net.Http.Json;
using Api.Conversations;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// Issue 18, with the shared store: each write raises the conversation's version in the store, and the one script call
/// a turn makes before the model is called reads it. A replica whose warm history has that version calls the model
/// with it and streams the reply while the table has not been asked anything; a version that moved (another replica's
/// turn) or that the store does not hold sends the turn to the table first, so the model is asked once, with the
/// whole history.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class ConversationVersionTests(IntegrityApi api, GarnetFixture store) : IClassFixture<GarnetFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private Dictionary<string, string?> WithStore => new() { ["ConnectionStrings:cache"] = store.Garnet.ConnectionString };

    [Fact]
    public async Task WarmTurn_AtTheStoresVersion_StreamsItsFirstToken_WhileTheTableIsHeld()
    {
        var (_, http, session, id) = await WarmConversationAsync("warm with the store");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("second", " reply");
        var before = api.Ollama.ChatRequests().Count;

        string body;
        api.Storage.Hold();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{id}/messages") { Content = JsonContent.Create(new { content = "the table is slow" }) };
            request.Headers.Add("X-Dev-User", session.User);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation).WaitAsync(TestTimeouts.Request, Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancellation));
            var seen = new List<string>();
            // The first token arrives while every storage call is held: nothing before it asked the table.
            while (await reader.ReadLineAsync(Cancellation).AsTask().WaitAsync(TestTimeouts.Request, Cancellation) is { } line)
            {
                seen.Add(line);
                if (line.Contains("\"second\"", StringComparison.Ordinal))
                {
                    break;
                }
            }

            Assert.Contains(seen, line => line.Contains("\"second\"", StringComparison.Ordinal));
            api.Storage.Flow();
            body = string.Join('\n', seen) + await reader.ReadToEndAsync(Cancellation);
        }
        finally
        {
            api.Storage.Flow();
        }

        Assert.Contains("event: done", body, StringComparison.Ordinal);
        Assert.Equal(before + 1, api.Ollama.ChatRequests().Count);
        Assert.Equal(["warm it up", "the table is slow"], UserMessages(api.Ollama.ChatRequests()[^1]));
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Turn_AfterAnotherReplicasTurn_AsksTheModelOnce_WithTheWholeHistory()
    {
        var (_, httpA) = api.StartHost(WithStore);
        var (_, httpB) = api.StartHost(WithStore);
        var here = new ApiSession(httpA, "version-" + Guid.NewGuid().ToString("N")[..10]);
        var there = new ApiSession(httpB, here.User);
        var id = await here.CreateConversationAsync("two replicas, one store");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("noted");

        Assert.NotNull((await here.ChatAsync(id, new { content = "first, here" })).Done);
        Assert.NotNull((await there.ChatAsync(id, new { content = "second, there" })).Done);
        var before = api.Ollama.ChatRequests().Count;
        var last = await here.ChatAsync(id, new { content = "third, here again" });

        Assert.NotNull(last.Done);
        // The store's version had moved past this replica's snapshot: the table was read before the model was called,
        // so the model was asked once (without the store, the old snapshot's call is dropped and the model asked again).
        Assert.Equal(before + 1, api.Ollama.ChatRequests().Count);
        Assert.Equal(["first, here", "second, there", "third, here again"], UserMessages(api.Ollama.ChatRequests()[^1]));
        await AssertConsistentAsync(api, here.User);
    }

    [Fact]
    public async Task WarmTurn_TheStoreHoldsNoVersion_ReadsTheTableBeforeTheModelIsCalled()
    {
        var (host, _, session, id) = await WarmConversationAsync("expired version");
        var versions = host.Services.GetRequiredService<ConversationVersions>();
        var shared = host.Services.GetRequiredService<Api.Shared.SharedStore>();
        Assert.True(await shared.Database.KeyDeleteAsync(versions.Key(Api.Auth.CurrentUser.ToPartitionKey(session.User), id)));
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("second");
        var before = api.Ollama.ChatRequests().Count;

        Task<ChatResult> turn;
        api.Storage.Hold();
        try
        {
            turn = session.ChatAsync(id, new { content = "after the version expired" });
            // Nothing reaches the model while the table has not answered.
            await Task.Delay(500, Cancellation);
            Assert.Equal(before, api.Ollama.ChatRequests().Count);
        }
        finally
        {
            api.Storage.Flow();
        }

        var result = await turn;
        Assert.NotNull(result.Done);
        Assert.Equal(before + 1, api.Ollama.ChatRequests().Count);
        Assert.Equal(["warm it up", "after the version expired"], UserMessages(api.Ollama.ChatRequests()[^1]));
        // The turn's write raised the version again: the next turn is warm.
        Assert.Equal(3, (long)await shared.Database.StringGetAsync(versions.Key(Api.Auth.CurrentUser.ToPartitionKey(session.User), id)));
        await AssertConsistentAsync(api, session.User);
    }

    /// <summary>A host on the store and a conversation it made, with one turn ("warm it up", answered "first"): warm there.</summary>
    private async Task<(IntegrityApiFactory Host, HttpClient Http, ApiSession Session, string Id)> WarmConversationAsync(string title)
    {
        var (host, http) = api.StartHost(WithStore);
        var session = new ApiSession(http, "version-" + Guid.NewGuid().ToString("N")[..10]);
        var id = await session.CreateConversationAsync(title);
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("first");
        Assert.NotNull((await session.ChatAsync(id, new { content = "warm it up" })).Done);
        return (host, http, session, id);
    }

    private static List<string?> UserMessages(OllamaDoubleRequest call) =>
        [.. call.Body!.Value.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").GetString())];
}
