using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>The conversation store goes away (its connections reset, new ones refused) and comes back.</summary>
[Collection(IntegrityCollection.Name)]
public sealed class StorageFaultTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoreDown_ChatAndRead_Are503StorageUnavailableWithinASecondOrTwo_AndNothingReachesTheModel()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        var modelCalls = api.Ollama.ChatRequests().Count;

        api.Storage.Cut();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var chat = await session.ChatAsync(id, new { content = "hello" });
            var chatTook = stopwatch.Elapsed;
            using var read = await session.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.Status);
            Assert.Equal("storage_unavailable", chat.Problem.GetProperty("code").GetString());
            Assert.NotNull(chat.RetryAfterSeconds);
            Assert.True(chatTook < TimeSpan.FromSeconds(2.5), $"The refusal took {chatTook}.");
            Assert.Equal("storage_unavailable", await CodeOfAsync(read, HttpStatusCode.ServiceUnavailable));
            Assert.NotNull(read.Headers.RetryAfter);
            Assert.Equal(modelCalls, api.Ollama.ChatRequests().Count);
        }
        finally
        {
            api.Storage.Restore();
        }
    }

    [Fact]
    public async Task StoreDiesMidReply_TheStreamEndsWithAnEvent_AndTheReplyIsSavedWhenTheStoreReturns()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("kept");
        var tokens = Enumerable.Range(0, 30).Select(i => $"t{i} ").ToArray();
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = tokens, TokenInterval = TimeSpan.FromMilliseconds(40) };

        var chat = session.ChatAsync(id, new { content = "keep this" });
        await Task.Delay(400, Cancellation);
        api.Storage.Cut();
        ChatResult result;
        try
        {
            result = await chat;
        }
        finally
        {
            api.Storage.Restore();
        }

        Assert.Equal(string.Concat(tokens), result.Text);
        Assert.Equal("persist_deferred", Assert.IsType<SseEvent>(result.Error).Json.GetProperty("code").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement conversation;
        do
        {
            await Task.Delay(250, Cancellation);
            conversation = await session.GetConversationAsync(id);
        }
        while (conversation.GetProperty("messageCount").GetInt32() < 2 && DateTime.UtcNow < deadline);

        var messages = conversation.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("keep this", messages[0].GetProperty("content").GetString());
        Assert.Equal(string.Concat(tokens), messages[1].GetProperty("content").GetString());
        Assert.Equal("complete", messages[1].GetProperty("status").GetString());
        await AssertConsistentAsync(api, session.User);
    }

    [Fact]
    public async Task Health_StoreDown_SaysWhichCheckFails_WithoutAddressesOrExceptionText()
    {
        using var healthy = await api.Http.GetAsync("/health", Cancellation);
        var healthyBody = await healthy.Content.ReadAsStringAsync(Cancellation);
        api.Storage.Cut();
        string body;
        HttpStatusCode status;
        try
        {
            using var down = await api.Http.GetAsync("/health", Cancellation);
            (status, body) = (down.StatusCode, await down.Content.ReadAsStringAsync(Cancellation));
        }
        finally
        {
            api.Storage.Restore();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var tables = JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty("Azure_TableServiceClient");
        Assert.Equal("Unhealthy", tables.GetProperty("status").GetString());
        Assert.Equal("Not working.", tables.GetProperty("description").GetString());
        foreach (var text in new[] { body, healthyBody })
        {
            Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
            Assert.DoesNotContain(api.Storage.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            Assert.DoesNotContain(api.Ollama.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            Assert.DoesNotContain(OllamaDouble.Version, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Retry", text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
