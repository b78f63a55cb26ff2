using Tests.TestDoubles.Ollama;

namespace Tests.Integration.Integrity;

/// <summary>
/// A replica keeps the history of the conversations it wrote warm, but never sends the model a stale one: a turn written
/// by another replica (or a rename) changes the conversation's ETag, and the next turn here reads the messages again.
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
        Assert.NotNull((await here.ChatAsync(id, new { content = "third, here again" })).Done);

        var prompt = api.Ollama.ChatRequests().Last().Body!.Value.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(["first, here", "second, on the other replica", "third, here again"], prompt);
    }

    [Fact]
    public async Task Turns_OnOneReplica_KeepTheHistoryInOrder()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("warm");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");

        for (var i = 0; i < 4; i++)
        {
            Assert.NotNull((await session.ChatAsync(id, new { content = $"message {i}" })).Done);
        }

        var prompt = api.Ollama.ChatRequests().Last().Body!.Value.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() != "system").Select(m => $"{m.GetProperty("role").GetString()}: {m.GetProperty("content").GetString()}").ToList();
        Assert.Equal(["user: message 0", "assistant: ok", "user: message 1", "assistant: ok", "user: message 2", "assistant: ok", "user: message 3"], prompt);
        await IntegrityAssertions.AssertConsistentAsync(api, session.User);
    }
}
