using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tests.Integration;

/// <summary>Degraded mode: while the primary model is unavailable, the fallback answers and says so.</summary>
[Collection(FallbackAppCollection.Name)]
public sealed class FallbackTests(FallbackAppFixture app) : IAsyncLifetime
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public async ValueTask DisposeAsync() => await app.ResetLlmAsync();

    [Fact]
    public async Task PrimaryDown_FallbackServes_ReplySaysSo_StatusDegraded()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        await app.Ollama.StopAsync();

        var result = await user.ChatAsync(id, new { content = "are you there?" });
        var status = await app.Api.GetFromJsonAsync<JsonElement>("/api/status", Cancellation);
        var stored = (await user.GetConversationAsync(id)).GetProperty("messages")[1];

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("Hello from the Ollama test double.", result.Text);
        var done = result.Done!.Json;
        Assert.True(done.GetProperty("fallback").GetBoolean());
        Assert.Equal(FallbackAppFixture.FallbackModel, done.GetProperty("model").GetString());
        Assert.True(stored.GetProperty("fallback").GetBoolean());
        Assert.Equal(FallbackAppFixture.FallbackModel, stored.GetProperty("model").GetString());
        Assert.Equal(FallbackAppFixture.FallbackModel, app.FallbackOllama.ChatRequests().Last().Model);
        Assert.Equal("degraded", status.GetProperty("llm").GetString());
        Assert.Contains("fallback", status.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task PrimaryUp_FallbackUnused()
    {
        var user = app.NewUser();
        var before = app.FallbackOllama.ChatRequests().Count;

        var result = await user.ChatAsync(await user.CreateConversationAsync(), new { content = "hello" });

        Assert.False(result.Done!.Json.GetProperty("fallback").GetBoolean());
        Assert.Equal(before, app.FallbackOllama.ChatRequests().Count);
    }

    [Fact]
    public async Task Models_ListsPrimaryAndFallback()
    {
        var models = await app.Api.GetFromJsonAsync<JsonElement>("/api/models", Cancellation);

        var entries = models.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Contains(entries, m => m.GetProperty("name").GetString() == FallbackAppFixture.FallbackModel && m.GetProperty("isFallback").GetBoolean() && m.GetProperty("processor").GetString() == "cpu");
    }
}
