using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost;
using Aspire.Hosting.Testing;

namespace Tests.Integration;

/// <summary>Metrics for autoscaling on their own port, the OpenAPI document, and trace propagation to Ollama.</summary>
[Collection(AppCollection.Name)]
public sealed class ObservabilityTests(AppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_OnTheMetricsPort_ExposeTheAutoscalingGauges()
    {
        var user = app.NewUser();
        await user.ChatAsync(await user.CreateConversationAsync(), new { content = "hello" });
        using var metrics = app.App.CreateHttpClient(ResourceNames.Api, "metrics");

        var text = await metrics.GetStringAsync("/metrics", Cancellation);

        Assert.Contains("llm_requests_in_flight", text);
        Assert.Contains("llm_requests_queued", text);
        Assert.Contains("llm_circuit_breaker_state", text);
        Assert.Contains("llm_time_to_first_token", text);
        Assert.Contains($"backend=\"{AppFixture.Model}\"", text);
    }

    [Fact]
    public async Task Metrics_OnTheApiPort_AreNotServed()
    {
        using var response = await app.Api.GetAsync("/metrics", Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>
    /// The metrics port answers /metrics and nothing else: the cluster's scraper may reach that port, and through it
    /// no route of the app. Before: every route answered there too (issue 30, finding 15).
    /// </summary>
    [Fact]
    public async Task TheMetricsPort_ServesNoOtherRoute()
    {
        using var metrics = app.App.CreateHttpClient(ResourceNames.Api, "metrics");

        using var status = await metrics.GetAsync("/api/status", Cancellation);
        using var alive = await metrics.GetAsync("/alive", Cancellation);
        using var openApi = await metrics.GetAsync("/openapi/v1.json", Cancellation);
        using var scrape = await metrics.GetAsync("/metrics", Cancellation);

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound], [status.StatusCode, alive.StatusCode, openApi.StatusCode]);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DocumentListsTheChatRoutes()
    {
        var document = await app.Api.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Cancellation);
        var paths = document.GetProperty("paths");

        foreach (var path in new[] { "/api/conversations", "/api/conversations/{id}", "/api/conversations/{id}/messages", "/api/conversations/{id}/regenerate", "/api/models", "/api/status" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document.");
        }
    }

    [Fact]
    public async Task Chat_PropagatesTheTraceToOllama()
    {
        var user = app.NewUser();
        await user.ChatAsync(await user.CreateConversationAsync(), new { content = "trace me" });

        var request = app.Ollama.ChatRequests().Last();

        Assert.NotNull(request.TraceParent);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", request.TraceParent);
    }
}
