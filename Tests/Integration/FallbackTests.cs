using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tests.Infrastructure;

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
        Assert.Equal(Catalogue.Fast, done.GetProperty("model").GetString());
        Assert.True(stored.GetProperty("fallback").GetBoolean());
        Assert.Equal(Catalogue.Fast, stored.GetProperty("model").GetString());
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
    public async Task Models_ListTheDefaultWithItsFallback_OnCpu()
    {
        using var response = await app.NewUser().With(roles: AppFixture.FastRole).SendAsync(HttpMethod.Get, "/api/models");
        var models = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);

        var entries = models.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal([Catalogue.Default, Catalogue.Fast], entries.Keys.Order());
        Assert.Equal(Catalogue.Fast, entries[Catalogue.Default].GetProperty("fallback").GetString());
        Assert.True(entries[Catalogue.Default].GetProperty("isDefault").GetBoolean());
        Assert.Equal(FallbackAppFixture.FallbackModel, entries[Catalogue.Fast].GetProperty("tag").GetString());
        Assert.Equal("cpu", entries[Catalogue.Fast].GetProperty("processor").GetString());
        Assert.Equal(0, entries[Catalogue.Fast].GetProperty("queue").GetProperty("queued").GetInt32());
    }

    [Fact]
    public async Task Tools_ForAModelDeclaredWithoutThem_RefusedWithACodeNamingIt_BeforeTheModel()
    {
        // This fixture declares the fast model without tools (--Models:chat-fast:Tools=false).
        var key = await OpenAiClients.NewKeyAsync(app.NewUser().With(roles: AppFixture.FastRole));
        var before = app.FallbackOllama.ChatRequests(streamingOnly: false).Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = Catalogue.Fast,
                messages = new[] { new { role = "user", content = "hi" } },
                tools = new object[] { new { type = "function", function = new { name = "get_weather" } } },
            }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        using var response = await app.Api.SendAsync(request, Cancellation);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("model_does_not_support_tools", "tools"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        Assert.Contains($"'{Catalogue.Fast}'", error.GetProperty("message").GetString());
        Assert.Equal(before, app.FallbackOllama.ChatRequests(streamingOnly: false).Count);
    }
}
