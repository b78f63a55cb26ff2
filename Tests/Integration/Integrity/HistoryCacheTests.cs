using System.Net;
using System.Net.Http.Json;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// A replica keeps the history of the conversations it wrote warm, and calls the model with it while the conversation's
/// row is read (issue 18: the first token waits for no storage round trip), but never lets a stale one through: a turn
/// written by another replica (or a rename) changes the conversation's ETag, the call made on the old history is
/// dropped unread, and the model is asked again with the messages read afresh. The reply is held until the row has
/// answered, and a row that cannot be read ends the turn with a clean refusal.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class HistoryCacheTests(IntegrityApi api)
{
    [Fact]
    public async Task Turn_AfterAnotherReplicasTurn_SendsTheModelTheWholeHistory()
    {
        var (_, otherHttp) = api.StartHost(new Dictionary<string, string?>());
        var here = api.Session();
        var there = new ApiSession(otherHttp, here.User);
        var id = await here.CreateConversationAsync("two replicas");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("noted");

        Assert.NotNull((await here.ChatAsync(id, new { content = "first, here" })).Done);
        Assert.NotNull((await there.ChatAsync(id, new { content = "second, on the other replica" })).Done);
        var last = await here.ChatAsync(id, new { content = "third, here again" });
        Assert.NotNull(last.Done);

        var calls = api.Ollama.ChatRequests();
        var prompt = UserMessages(calls[^1]);
        Assert.Equal(["first, here", "second, on the other replica", "third, here again"], prompt);
        // The third turn here started on its warm (old) history; that call was dropped unread and the model asked again.
        Assert.Equal(["first, here", "third, here again"], UserMessages(calls[^2]));
        Assert.Equal("noted", last.Text);
        var third = await here.GetConversationAsync(id);
        Assert.Equal(6, third.GetProperty("messages").GetArrayLength());
        await AssertConsistentAsync(api, here.User);
    }

    [Fact]
    public async Task WarmTurn_CallsTheModelBeforeTheStoreAnswers_AndHoldsTheReplyUntilItHas()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("held");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("first");
        Assert.NotNull((await session.ChatAsync(id, new { content = "warm it up" })).Done);
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("second", " reply");
        var before = api.Ollama.ChatRequests().Count;

        api.Storage.Hold();
        Task<HttpResponseMessage> headers;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{id}/messages") { Content = JsonContent.Create(new { content = "while the store is slow" }) };
            request.Headers.Add("X-Dev-User", session.User);
            headers = api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

            // The model gets the request, and sends its whole reply, while the store has not answered the row's read...
            await WaitUntilAsync(() => api.Ollama.ChatRequests().Count > before && api.Ollama.ChatRequests()[^1].CompletedAt is not null);
            // ...and the client has had nothing yet: not even the response's headers.
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.False(headers.IsCompleted);
        }
        finally
        {
            api.Storage.Flow();
        }

        using var response = await headers;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"second\"", body, StringComparison.Ordinal);
        Assert.Contains("event: done", body, StringComparison.Ordinal);
        Assert.Equal(before + 1, api.Ollama.ChatRequests().Count);
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task WarmTurn_TheStoreGoneBeforeItAnswers_IsACleanRefusal_TheModelCallDropped_NothingWritten()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("refused");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("first");
        Assert.NotNull((await session.ChatAsync(id, new { content = "warm it up" })).Done);
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["never", " seen"], FirstTokenDelay = TimeSpan.FromSeconds(5) };
        var before = api.Ollama.ChatRequests().Count;

        api.Storage.Hold();
        ChatResult refused;
        try
        {
            var turn = session.ChatAsync(id, new { content = "the store is about to go" });
            await WaitUntilAsync(() => api.Ollama.ChatRequests().Count > before);
            api.Storage.Cut();
            refused = await turn;
        }
        finally
        {
            api.Storage.Restore();
            api.Storage.Flow();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("storage_unavailable", refused.Problem.GetProperty("code").GetString());
        await WaitUntilAsync(() => api.Ollama.ChatRequests()[^1].AbortedAt is not null);
        var conversation = await session.GetConversationAsync(id);
        Assert.Equal(2, conversation.GetProperty("messages").GetArrayLength());
        await AssertConsistentAsync(api, session.User);
    }

    private static List<string?> UserMessages(OllamaDoubleRequest call) =>
        [.. call.Body!.Value.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").GetString())];

    [Fact]
    public async Task Turns_OnOneReplica_KeepTheHistoryInOrder()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("warm");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");
        var before = api.Ollama.ChatRequests().Count;

        for (var i = 0; i < 4; i++)
        {
            Assert.NotNull((await session.ChatAsync(id, new { content = $"message {i}" })).Done);
        }

        // Warm on the replica that wrote it: the model is asked once a turn, never again for a history that moved.
        Assert.Equal(before + 4, api.Ollama.ChatRequests().Count);

        var prompt = api.Ollama.ChatRequests().Last().Body!.Value.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() != "system").Select(m => $"{m.GetProperty("role").GetString()}: {m.GetProperty("content").GetString()}").ToList();
        Assert.Equal(["user: message 0", "assistant: ok", "user: message 1", "assistant: ok", "user: message 2", "assistant: ok", "user: message 3"], prompt);
        await IntegrityAssertions.AssertConsistentAsync(api, session.User);
    }
}
