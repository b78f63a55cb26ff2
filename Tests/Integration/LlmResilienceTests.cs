using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>What the API does when Ollama fails: retries, timeouts, the circuit breaker, and the status it reports.</summary>
[Collection(AppCollection.Name)]
public sealed class LlmResilienceTests(AppFixture app) : IAsyncLifetime
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public async ValueTask DisposeAsync() => await app.ResetLlmAsync();

    [Fact]
    public async Task OllamaDown_ChatIs503WithRetryAfter_BreakerOpensAndRefusesFast_HistoryStillReadable()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync("kept");
        await app.Ollama.StopAsync();

        // Closed breaker: each call tries (with two quick retries) and fails in seconds, not minutes.
        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var failed = await user.ChatAsync(id, new { content = $"attempt {i}" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
            Assert.True(failed.RetryAfterSeconds >= 1);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"Took {stopwatch.Elapsed}.");
        }

        // Open breaker: refused before any call to Ollama, at once.
        var sentBefore = app.Ollama.Requests.Count;
        var timings = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var refused = await user.ChatAsync(id, new { content = "while open" });
            timings.Add(stopwatch.Elapsed);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Equal("llm_unavailable", refused.Problem.GetProperty("code").GetString());
            Assert.InRange(refused.RetryAfterSeconds!.Value, 1, 5);
        }

        Assert.Equal(sentBefore, app.Ollama.Requests.Count);
        // The 50 ms goal is measured by the benchmark (docs/benchmarks.md); on a loaded CI machine allow headroom.
        Assert.True(timings.Order().ElementAt(2) < TimeSpan.FromMilliseconds(250), $"Median refusal took {timings.Order().ElementAt(2).TotalMilliseconds:0} ms.");

        var history = await user.GetConversationAsync(id);
        Assert.Equal("kept", history.GetProperty("title").GetString());
        Assert.Equal("failed", history.GetProperty("messages")[1].GetProperty("status").GetString());

        using var health = await app.Api.GetAsync("/health", Cancellation);
        var report = await health.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", report.GetProperty("checks").GetProperty("Ollama_chat").GetProperty("status").GetString());
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("Azure_TableServiceClient").GetProperty("status").GetString());

        var status = await app.Api.GetFromJsonAsync<JsonElement>("/api/status", Cancellation);
        Assert.Equal("unavailable", status.GetProperty("llm").GetString());
        Assert.False(string.IsNullOrWhiteSpace(status.GetProperty("reason").GetString()));

        // Back up: the probe closes the breaker by itself.
        await app.Ollama.RestartAsync();
        var recovered = await WaitForStatusAsync("available", TimeSpan.FromSeconds(20));
        Assert.True(recovered, "The breaker did not close after Ollama came back.");
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(id, new { content = "back?" })).Status);
    }

    [Fact]
    public async Task Busy503BeforeFirstToken_RetriedOnce_ThenSucceeds()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        var before = app.Ollama.ChatRequests().Count;
        app.Ollama.Enqueue(new OllamaDoubleScript { Fault = OllamaFault.ServerBusy503, FaultCount = 1, Tokens = ["after", " retry"] });

        var result = await user.ChatAsync(id, new { content = "hello" });

        Assert.Equal("after retry", result.Text);
        Assert.Equal("complete", result.Done!.Json.GetProperty("status").GetString());
        Assert.Equal([503, 200], app.Ollama.ChatRequests().Skip(before).Select(r => r.StatusCode));
    }

    [Fact]
    public async Task StreamCutMidway_ErrorEvent_PartialSavedIncomplete_NotRetried()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        var before = app.Ollama.ChatRequests().Count;
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = ["part", "ial", " answer", " never", " finished"], Fault = OllamaFault.CutStream, FaultAfterTokens = 3, TokenInterval = TimeSpan.FromMilliseconds(100) });

        var result = await user.ChatAsync(id, new { content = "hello" });

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.StartsWith("part", result.Text);
        var error = result.Error!.Json;
        Assert.Equal("llm_stream_broken", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("partial").GetBoolean());
        Assert.Null(result.Done);
        Assert.Single(app.Ollama.ChatRequests().Skip(before));
        var reply = (await user.GetConversationAsync(id)).GetProperty("messages")[1];
        Assert.Equal("incomplete", reply.GetProperty("status").GetString());
        Assert.Equal(result.Text, reply.GetProperty("content").GetString());
    }

    [Fact]
    public async Task ErrorLineInStream_IsAnErrorEvent()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = ["a", "b", "c"], Fault = OllamaFault.ErrorInStream, FaultAfterTokens = 2, TokenInterval = TimeSpan.FromMilliseconds(50) });

        var result = await user.ChatAsync(id, new { content = "hello" });

        Assert.NotNull(result.Error);
        Assert.Null(result.Done);
        Assert.Equal("incomplete", (await user.GetConversationAsync(id)).GetProperty("messages")[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task StallLongerThanIdleTimeout_EndsWithTimeoutNeverHangs()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = ["started", " then", " silence"], Fault = OllamaFault.Stall, FaultAfterTokens = 1 });
        var stopwatch = Stopwatch.StartNew();

        var result = await user.ChatAsync(id, new { content = "hello" });

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        Assert.Equal("started", result.Text);
        Assert.Equal("llm_timeout", result.Error!.Json.GetProperty("code").GetString());
        Assert.Equal("incomplete", (await user.GetConversationAsync(id)).GetProperty("messages")[1].GetProperty("status").GetString());
        // The model's server learns of the dropped call when its connection closes: a moment later on a busy machine.
        var stalled = app.Ollama.ChatRequests().Last();
        await Integrity.IntegrityAssertions.WaitUntilAsync(() => stalled.AbortedAt is not null);
    }

    [Fact]
    public async Task ModelOnCpu_StatusDegraded_ModelsSayCpu()
    {
        app.Ollama.RunningSizeVram = 0;
        await Task.Delay(TimeSpan.FromSeconds(3.5), Cancellation);

        var status = await app.Api.GetFromJsonAsync<JsonElement>("/api/status", Cancellation);
        var models = await app.Api.GetFromJsonAsync<JsonElement>("/api/models", Cancellation);

        Assert.Equal("degraded", status.GetProperty("llm").GetString());
        Assert.Contains("CPU", status.GetProperty("reason").GetString());
        // The dev user may use the fast model too (its role): the default model is the one the status speaks of.
        var model = models.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("isDefault").GetBoolean());
        Assert.Equal(AppFixture.Model, model.GetProperty("name").GetString());
        Assert.True(model.GetProperty("loaded").GetBoolean());
        Assert.Equal("cpu", model.GetProperty("processor").GetString());
    }

    [Fact]
    public async Task ModelOnGpu_ModelsSayGpu()
    {
        var models = await app.Api.GetFromJsonAsync<JsonElement>("/api/models", Cancellation);

        var listed = models.GetProperty("models").EnumerateArray().ToList();
        var model = listed[0];
        Assert.Equal(AppFixture.Model, model.GetProperty("name").GetString());
        Assert.Equal("gpu", model.GetProperty("processor").GetString());
        Assert.True(model.GetProperty("isDefault").GetBoolean());
        Assert.Equal(1, listed.Count(m => m.GetProperty("isDefault").GetBoolean()));
    }

    private async Task<bool> WaitForStatusAsync(string wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var status = await app.Api.GetFromJsonAsync<JsonElement>("/api/status", Cancellation);
            if (status.GetProperty("llm").GetString() == wanted)
            {
                return true;
            }

            await Task.Delay(250, Cancellation);
        }

        return false;
    }
}
