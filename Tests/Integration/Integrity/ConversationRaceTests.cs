using System.Net;
using System.Text.Json;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// Parallel requests on one conversation: every reply that finishes is saved, renames and deletes never answer 5xx,
/// a deleted conversation never comes back, and the message cap holds. Each test ends with the integrity audit.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class ConversationRaceTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static object Message(string text) => new { content = text };

    [Fact]
    public async Task Send_TenAtOnceOnOneConversation_EveryReplySaved()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("race");
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["a", "b", "c", "d", "e"], TokenInterval = TimeSpan.FromMilliseconds(20) };

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => session.ChatAsync(id, Message($"question {i}"))));

        Assert.All(results, r => Assert.True(r.Done is not null, $"{(int)r.Status} {r.Error?.Data ?? r.Body}"));
        var conversation = await session.GetConversationAsync(id);
        Assert.Equal(20, conversation.GetProperty("messageCount").GetInt32());
        Assert.Equal(20, conversation.GetProperty("messages").GetArrayLength());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"question {i}").Order(), conversation.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").GetString()!).Order());
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Rename_HundredAtOnce_EachIs200Or409WithACode()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("before");

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => session.SendAsync(HttpMethod.Patch, $"/api/conversations/{id}", new { title = $"title {i}" })));

        var codes = await Task.WhenAll(responses.Select(r => CodeOfAsync(r)));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.All(codes.Where(c => c is not null), c => Assert.Equal("conversation_busy", c));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.StartsWith("title ", (await session.GetConversationAsync(id)).GetProperty("title").GetString(), StringComparison.Ordinal);
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Delete_HundredAtOnce_EachIs204Or404WithACode_AndNothingIsLeft()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("ok");
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull((await session.ChatAsync(id, Message($"m{i}"))).Done);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => session.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}")));

        var codes = await Task.WhenAll(responses.Select(r => CodeOfAsync(r)));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.NoContent, HttpStatusCode.NotFound }));
        Assert.All(codes.Where(c => c is not null), c => Assert.Equal("not_found", c));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.NoContent);
        using var get = await session.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        await AssertConsistentAsync(api, session.User);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    public async Task Delete_AroundAReplysEnd_TheConversationNeverComesBack(int delayMs)
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["one", " two", " three", " four"], TokenInterval = TimeSpan.FromMilliseconds(15) };

        var chat = session.ChatAsync(id, Message("hello"));
        await Task.Delay(40 + delayMs, Cancellation);
        using var delete = await session.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");
        var result = await chat;

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        EndedWithDoneOr(result, "conversation_deleted", "not_found");
        using var get = await session.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        using var list = await session.SendAsync(HttpMethod.Get, "/api/conversations");
        Assert.DoesNotContain(id, await list.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Delete_RacingTenSends_NoServerError_AndNothingComesBack()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["x", "y", "z"], TokenInterval = TimeSpan.FromMilliseconds(10) };

        var sends = Enumerable.Range(0, 10).Select(i => session.ChatAsync(id, Message($"q{i}"))).ToList();
        var deletes = Enumerable.Range(0, 20).Select(async i =>
        {
            await Task.Delay(i * 5, Cancellation);
            return await session.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");
        }).ToList();
        var results = await Task.WhenAll(sends);
        var deleted = await Task.WhenAll(deletes);

        Assert.All(results, r => EndedWithDoneOr(r, "conversation_deleted", "not_found"));
        Assert.All(await Task.WhenAll(deleted.Select(r => CodeOfAsync(r))), c => Assert.True(c is null or "not_found", c));
        using var get = await session.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Rename_RacingTenSends_NoServerError_AndEveryReplySaved()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("start");
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["x", "y", "z"], TokenInterval = TimeSpan.FromMilliseconds(10) };

        var sends = Enumerable.Range(0, 10).Select(i => session.ChatAsync(id, Message($"q{i}"))).ToList();
        var renames = Enumerable.Range(0, 50).Select(i => session.SendAsync(HttpMethod.Patch, $"/api/conversations/{id}", new { title = $"t{i}" })).ToList();
        var results = await Task.WhenAll(sends);
        var renamed = await Task.WhenAll(renames);

        Assert.All(results, r => Assert.True(r.Done is not null, $"{(int)r.Status} {r.Error?.Data ?? r.Body}"));
        Assert.All(await Task.WhenAll(renamed.Select(r => CodeOfAsync(r))), c => Assert.True(c is null or "conversation_busy", c));
        Assert.Equal(20, (await session.GetConversationAsync(id)).GetProperty("messageCount").GetInt32());
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Send_ManyAtOnceNearTheCap_TheCapHolds()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = ["k"], TokenInterval = TimeSpan.FromMilliseconds(5) };

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => session.ChatAsync(id, Message($"n{i}"))));

        Assert.All(results, r => EndedWithDoneOr(r, "conversation_too_long", "conversation_full"));
        var conversation = await session.GetConversationAsync(id);
        Assert.True(conversation.GetProperty("messageCount").GetInt32() <= IntegrityApi.MessageCap, conversation.ToString());
        Assert.Equal(2 * results.Count(r => r.Done is not null), conversation.GetProperty("messageCount").GetInt32());
        await AssertConsistentAsync(api, session.User);
    }
}
