using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration.Integrity;

/// <summary>SIGTERM (the host stopping) while long replies stream: a drain, then an event the client can act on, and nothing lost.</summary>
[Collection(IntegrityCollection.Name)]
public sealed class ShutdownTests(IntegrityApi api)
{
    [Fact]
    public async Task Stop_LongStreams_DrainThenEndWithServerShuttingDown_AndArePersistedIncomplete()
    {
        var (host, http) = api.StartHost(new Dictionary<string, string?> { ["Chat:Shutdown:DrainTimeout"] = "00:00:01", ["Chat:Shutdown:FinishTimeout"] = "00:00:05" });
        var session = new ApiSession(http, "shutdown-" + Guid.NewGuid().ToString("N")[..8]);
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 400).Select(i => $"w{i} ")], TokenInterval = TimeSpan.FromMilliseconds(50) };
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await session.CreateConversationAsync($"long {i}"));
        }

        var streams = ids.Select(id => session.ChatAsync(id, new { content = "a long answer please" })).ToList();
        await Task.Delay(800, TestContext.Current.CancellationToken);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var results = await Task.WhenAll(streams);
        var ended = stopping.Elapsed;

        Assert.True(ended < TimeSpan.FromSeconds(5), $"The streams ended {ended} after SIGTERM.");
        foreach (var result in results)
        {
            var error = Assert.IsType<SseEvent>(result.Error);
            Assert.Equal("server_shutting_down", error.Json.GetProperty("code").GetString());
            Assert.True(error.Json.GetProperty("retryAfterSeconds").GetInt32() >= 1);
            Assert.True(error.Json.GetProperty("partial").GetBoolean());
            Assert.NotEmpty(result.Text);
        }

        var reader = api.Session(session.User);
        for (var i = 0; i < ids.Count; i++)
        {
            var reply = (await reader.GetConversationAsync(ids[i])).GetProperty("messages").EnumerateArray().Last();
            Assert.Equal("incomplete", reply.GetProperty("status").GetString());
            Assert.Equal(results[i].Text, reply.GetProperty("content").GetString());
        }
    }

    [Fact]
    public async Task Stop_LongCompletion_DrainsThenEndsWithAServerShuttingDownFrame_AndNoDone()
    {
        var (host, http) = api.StartHost(new Dictionary<string, string?> { ["Chat:Shutdown:DrainTimeout"] = "00:00:01", ["Chat:Shutdown:FinishTimeout"] = "00:00:05" });
        var session = new ApiSession(http, "shutdown-v1-" + Guid.NewGuid().ToString("N")[..8]);
        var key = await OpenAiClients.NewKeyAsync(session);
        api.Ollama.DefaultScript = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 400).Select(i => $"w{i} ")], TokenInterval = TimeSpan.FromMilliseconds(50) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { model = AppFixture.Model, messages = new[] { new { role = "user", content = "a long answer please" } }, stream = true }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var body = response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        await Task.Delay(800, TestContext.Current.CancellationToken);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var frames = (await body).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"The completion ended {stopping.Elapsed} after SIGTERM.");
        Assert.Contains("\"w1 \"", string.Concat(frames));
        var last = JsonDocument.Parse(frames[^1]["data: ".Length..]).RootElement;
        Assert.Equal("server_shutting_down", last.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(frames, f => f == "data: [DONE]");
    }

    [Fact]
    public void Deployment_GracePeriod_CoversPreStopDrainAndSave()
    {
        var shutdown = new Api.Streaming.ShutdownOptions();
        var grace = TimeSpan.FromSeconds(global::AppHost.Deployment.DeploymentConventions.ServiceTerminationGraceSeconds);
        var preStop = TimeSpan.FromSeconds(global::AppHost.Deployment.DeploymentConventions.PreStopSeconds);
        var configured = JsonDocument.Parse(File.ReadAllText(Path.Combine(Tests.Deployment.Repository.Root, "Api", "appsettings.json"))).RootElement;
        var drain = configured.TryGetProperty("Chat", out var chat) && chat.TryGetProperty("Shutdown", out var section) && section.TryGetProperty("DrainTimeout", out var value)
            ? TimeSpan.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : shutdown.DrainTimeout;

        Assert.True(preStop + drain + shutdown.FinishTimeout < grace, $"preStop {preStop} + drain {drain} + finish {shutdown.FinishTimeout} must fit the pod's grace {grace}.");
    }
}
