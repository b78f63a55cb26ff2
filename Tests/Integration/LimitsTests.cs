using System.Net;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>Admission control and per-user limits: 429 with an integer Retry-After, and nothing sent to Ollama.</summary>
[Collection(AppCollection.Name)]
public sealed class LimitsTests(AppFixture app) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public async ValueTask DisposeAsync() => await app.ResetLlmAsync();

    [Fact]
    public async Task RequestsPerMinute_OverTheLimit_429_OtherUsersUnaffected()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        for (var i = 0; i < 12; i++)
        {
            // Turns beyond the conversation limit (8 messages) are refused after they are counted: cheap requests.
            await user.ChatAsync(id, new { content = "x", maxOutputTokens = 1 });
        }

        var sent = app.Ollama.ChatRequests().Count;
        var limited = await user.ChatAsync(id, new { content = "one too many" });
        var other = app.NewUser();
        var otherResult = await other.ChatAsync(await other.CreateConversationAsync(), new { content = "hi" });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("requests_per_minute", limited.Problem.GetProperty("code").GetString());
        Assert.True(limited.Response.Headers.TryGetValues("Retry-After", out var retryAfter));
        Assert.True(int.TryParse(Assert.Single(retryAfter), out var seconds) && seconds >= 1);
        Assert.Equal(sent + 1, app.Ollama.ChatRequests().Count);
        Assert.Equal(HttpStatusCode.OK, otherResult.Status);
    }

    [Fact]
    public async Task ConcurrentStreams_ThirdAtOnce_429()
    {
        var user = app.NewUser();
        var slow = new OllamaDoubleScript { Tokens = ["slow", " reply"], FirstTokenDelay = TimeSpan.FromSeconds(2) };
        app.Ollama.Enqueue(slow);
        app.Ollama.Enqueue(slow);
        var a = user.ChatAsync(await user.CreateConversationAsync(), new { content = "a" });
        var b = user.ChatAsync(await user.CreateConversationAsync(), new { content = "b" });
        await Task.Delay(500, TestContext.Current.CancellationToken);

        var third = await user.ChatAsync(await user.CreateConversationAsync(), new { content = "c" });

        Assert.Equal(HttpStatusCode.TooManyRequests, third.Status);
        Assert.Equal("concurrent_streams", third.Problem.GetProperty("code").GetString());
        Assert.NotNull(third.RetryAfterSeconds);
        Assert.Equal(HttpStatusCode.OK, (await a).Status);
        Assert.Equal(HttpStatusCode.OK, (await b).Status);
    }

    [Fact]
    public async Task DailyOutputTokens_Exhausted_429UntilMidnight()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Repeat(" word", 2048)] });
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Repeat(" word", 2048)] });
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(id, new { content = "long one", maxOutputTokens = 2048 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(id, new { content = "long two", maxOutputTokens = 2048 })).Status);
        var sent = app.Ollama.ChatRequests().Count;

        var limited = await user.ChatAsync(id, new { content = "more" });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("daily_tokens", limited.Problem.GetProperty("code").GetString());
        var secondsToMidnight = (DateTime.UtcNow.Date.AddDays(1) - DateTime.UtcNow).TotalSeconds;
        Assert.InRange(limited.RetryAfterSeconds!.Value, secondsToMidnight - 60, secondsToMidnight + 60);
        Assert.Equal(sent, app.Ollama.ChatRequests().Count);
    }

    [Fact]
    public async Task GlobalCapacity_BeyondSlotsAndQueue_429AtOnce()
    {
        var slow = new OllamaDoubleScript { Tokens = ["busy"], FirstTokenDelay = TimeSpan.FromSeconds(4) };
        var users = Enumerable.Range(0, 4).Select(_ => app.NewUser("cap")).ToList();
        var conversations = new List<string>();
        foreach (var user in users)
        {
            conversations.Add(await user.CreateConversationAsync());
            app.Ollama.Enqueue(slow);
        }

        // Three slots and a queue of one: four requests are taken.
        var running = users.Select((user, i) => user.ChatAsync(conversations[i], new { content = "hold a slot" })).ToList();
        await Task.Delay(1_000, TestContext.Current.CancellationToken);
        var sent = app.Ollama.ChatRequests().Count;

        var extra = app.NewUser("cap");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var refused = await extra.ChatAsync(await extra.CreateConversationAsync(), new { content = "no room" });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("llm_capacity", refused.Problem.GetProperty("code").GetString());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"Refused after {stopwatch.Elapsed}.");
        Assert.NotNull(refused.RetryAfterSeconds);
        Assert.Equal(sent, app.Ollama.ChatRequests().Count);
        Assert.True(app.Ollama.MaxInFlight <= 3, $"Ollama saw {app.Ollama.MaxInFlight} at once.");
        var results = await Task.WhenAll(running);
        Assert.Equal(3, results.Count(r => r.Status == HttpStatusCode.OK));
    }

    [Fact]
    public async Task MessageTooLong_413_NothingSent()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        var sent = app.Ollama.ChatRequests().Count;

        var result = await user.ChatAsync(id, new { content = new string('a', 4_001) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, result.Status);
        Assert.Equal("message_too_long", result.Problem.GetProperty("code").GetString());
        Assert.Equal(sent, app.Ollama.ChatRequests().Count);
    }

    [Fact]
    public async Task ConversationTooLong_400_NothingSent()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(id, new { content = $"turn {i}" })).Status);
        }

        var sent = app.Ollama.ChatRequests().Count;
        var result = await user.ChatAsync(id, new { content = "one more" });

        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.Equal("conversation_too_long", result.Problem.GetProperty("code").GetString());
        Assert.Equal(sent, app.Ollama.ChatRequests().Count);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"content\":\"\"}")]
    [InlineData("{\"content\":\"hi\",\"temperature\":-1}")]
    [InlineData("{\"content\":\"hi\",\"maxOutputTokens\":0}")]
    public async Task InvalidBody_400WithProblemDetails(string json)
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{id}/messages") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Dev-User", user.User);

        using var response = await app.Api.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task MalformedJson_400NotA500()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{id}/messages") { Content = new StringContent("{\"content\":", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Dev-User", user.User);

        using var response = await app.Api.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
