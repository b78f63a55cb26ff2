using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost;
using Azure.Data.Tables;
using Tests.Infrastructure;

namespace Tests.Integration;

/// <summary>The foundation end to end: the real AppHost, Azurite from npm, the Ollama test double.</summary>
[Collection(AppCollection.Name)]
public sealed class FoundationTests(AppFixture app)
{
    private CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>This test's own user: the development user's limits and data are shared with every other test.</summary>
    private readonly ApiSession _user = app.NewUser("foundation");

    [Fact]
    public async Task Start_ModelAbsent_AppHostPulledItThroughOllama()
    {
        Assert.True(app.Ollama.HasModel(AppFixture.Tag));
        Assert.Contains(app.Ollama.Requests, r => r.Path == "/api/pull" && r.Model == AppFixture.Tag);
    }

    [Fact]
    public async Task Health_ApiAndWeb_AnswerHealthyInJson()
    {
        foreach (var client in new[] { app.Api, app.Web })
        {
            using var health = await client.GetAsync("/health", Cancellation).WaitAsync(TestTimeouts.Request, TestContext.Current.CancellationToken);
            using var alive = await client.GetAsync("/alive", Cancellation).WaitAsync(TestTimeouts.Request, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            var body = await health.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            Assert.Equal("Healthy", body.GetProperty("status").GetString());
        }

        var apiHealth = await app.Api.GetFromJsonAsync<JsonElement>("/health", Cancellation).WaitAsync(TestTimeouts.Request, TestContext.Current.CancellationToken);
        var checks = apiHealth.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("Azure_TableServiceClient").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("Ollama_chat").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Chat_ThroughApi_ReachesTheDoubleViaOllamaSharpAndStreamsBack()
    {
        var conversation = await CreateConversationAsync();
        app.Ollama.Enqueue(Tests.TestDoubles.Ollama.OllamaDoubleScript.Reply("Aspire", " wires", " it", " all", "."));

        using var response = await _user.SendAsync(HttpMethod.Post, $"/api/conversations/{conversation}/messages", new { content = "What does the AppHost do?" }).WaitAsync(TestTimeouts.Request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("event: delta", body);
        Assert.Contains("event: done", body);
        var streamed = string.Concat(body.Split('\n')
            .Where(line => line.StartsWith("data: {\"text\"", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line[6..]).RootElement.GetProperty("text").GetString()));
        Assert.Equal("Aspire wires it all.", streamed);

        var request = app.Ollama.ChatRequests().Last(r => r.Messages.Any(m => m.Content == "What does the AppHost do?"));
        Assert.Equal(AppFixture.Tag, request.Model);
        Assert.Equal("system", request.Messages[0].Role);
        Assert.Equal(("user", "What does the AppHost do?"), request.Messages[^1]);
    }

    [Fact]
    public async Task Chat_ThroughWeb_PageRendersAndServiceDiscoveryFindsTheApi()
    {
        using var page = await app.Web.GetAsync("/", Cancellation).WaitAsync(TestTimeouts.Request, TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // The model picker is rendered on the server from GET /api/models, the API found as "https+http://api".
        Assert.Matches($"<span class=\"model-state\" data-model=\"{AppFixture.Model}\"", html);
        Assert.Matches("<label[^>]* for=\"composer\"", html);
    }

    [Fact]
    public async Task Tables_EntityRoundTripsThroughAzurite()
    {
        var tables = new TableServiceClient(await app.TablesConnectionStringAsync());
        var table = tables.GetTableClient("roundtrip" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync(Cancellation);

        var entity = new TableEntity("partition", "row") { ["Text"] = "héllo ✓", ["Count"] = 42 };
        await table.AddEntityAsync(entity, Cancellation);
        var read = (await table.GetEntityAsync<TableEntity>("partition", "row", cancellationToken: Cancellation)).Value;

        Assert.Equal("héllo ✓", read.GetString("Text"));
        Assert.Equal(42, read.GetInt32("Count"));
        await table.DeleteAsync(Cancellation);
    }

    [Fact]
    public async Task Conversation_CreatedThroughApi_IsStoredInAzurite()
    {
        var id = await CreateConversationAsync("Stored");

        var tables = new TableServiceClient(await app.TablesConnectionStringAsync());
        var stored = await tables.GetTableClient("conversations").GetEntityIfExistsAsync<TableEntity>($"u_{_user.User}", $"c_{id}", cancellationToken: Cancellation);

        Assert.True(stored.HasValue);
        Assert.Equal("Stored", stored.Value!.GetString("Title"));
    }

    private async Task<string> CreateConversationAsync(string? title = null)
    {
        using var response = await _user.SendAsync(HttpMethod.Post, "/api/conversations", new { title }).WaitAsync(TestTimeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetString()!;
    }
}
