using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using OllamaSharp;
using Tests.Integration;
using Tests.TestDoubles.Ollama;

namespace Tests.Benchmarks;

/// <summary>
/// Benchmarks, not tests: explicit, so <c>dotnet test</c> does not run them. Run them with
/// <c>dotnet test --no-build --filter-class "*ApiBenchmarks" --explicit only</c>; results go to the output and to
/// <c>TestResults/benchmarks.md</c>. Figures and the machine they came from are in <c>docs/benchmarks.md</c>.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ApiBenchmarks(AppFixture app) : IAsyncLifetime
{
    private static readonly string ResultsFile = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "TestResults", "benchmarks.md");

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public async ValueTask DisposeAsync() => await app.ResetLlmAsync();

    [Fact(Explicit = true)]
    public async Task CircuitOpen_RefusalLatency()
    {
        var user = app.NewUser("bench");
        var id = await user.CreateConversationAsync();
        await app.Ollama.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            await user.ChatAsync(id, new { content = "trip" });
        }

        var timings = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var bench = app.NewUser("bench");
            var stopwatch = Stopwatch.StartNew();
            var result = await bench.ChatAsync(id, new { content = "refused" });
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, result.Status);
        }

        Report("Breaker open: 503 refusal, client-measured round trip (200 requests)", timings, "ms");
    }

    [Fact(Explicit = true)]
    public async Task Streaming_PerTokenOverheadThroughTheApi()
    {
        const int tokens = 2_000;
        var script = new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, tokens).Select(i => $" t{i}")] };

        // Direct: OllamaSharp against the double, no API in between.
        var directRuns = new List<double>();
        using var direct = new OllamaApiClient(new HttpClient { BaseAddress = app.Ollama.Endpoint, Timeout = Timeout.InfiniteTimeSpan }, AppFixture.Tag);
        for (var run = 0; run < 5; run++)
        {
            app.Ollama.Enqueue(script);
            var stopwatch = Stopwatch.StartNew();
            var received = 0;
            await foreach (var update in ((IChatClient)direct).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { MaxOutputTokens = tokens }, TestContext.Current.CancellationToken))
            {
                received += string.IsNullOrEmpty(update.Text) ? 0 : 1;
            }

            directRuns.Add(stopwatch.Elapsed.TotalMilliseconds);
            Assert.Equal(tokens, received);
        }

        // Through the API: auth, limits, admission, the leak guard, SSE, and the write at the end.
        var apiRuns = new List<double>();
        for (var run = 0; run < 5; run++)
        {
            var user = app.NewUser("bench");
            var id = await user.CreateConversationAsync("bench");
            app.Ollama.Enqueue(script);
            var stopwatch = Stopwatch.StartNew();
            var result = await user.ChatAsync(id, new { content = "go", maxOutputTokens = tokens });
            apiRuns.Add(stopwatch.Elapsed.TotalMilliseconds);
            Assert.NotNull(result.Done);
        }

        var directPerToken = directRuns.Select(ms => ms * 1000 / tokens).ToList();
        var apiPerToken = apiRuns.Select(ms => ms * 1000 / tokens).ToList();
        Report($"Direct OllamaSharp stream, {tokens} tokens, per token", directPerToken, "µs");
        Report($"Through the API (SSE), {tokens} tokens, per token", apiPerToken, "µs");
        Report("Added by the API per token (median of the runs)", [Median(apiPerToken) - Median(directPerToken)], "µs");
    }

    [Fact(Explicit = true)]
    public async Task Status_Latency()
    {
        var timings = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            using var response = await app.Api.GetAsync("/api/status", TestContext.Current.CancellationToken);
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Report("GET /api/status (200 requests, probe cached 3 s)", timings, "ms");
    }

    private static double Median(IEnumerable<double> values) => Percentile([.. values], 50);

    private static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(percentile / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static void Report(string name, List<double> values, string unit)
    {
        var line = values.Count == 1
            ? $"| {name} | {values[0]:0.0} {unit} | | |"
            : $"| {name} | {Percentile(values, 50):0.0} {unit} | {Percentile(values, 95):0.0} {unit} | {Percentile(values, 99):0.0} {unit} |";
        TestContext.Current.SendDiagnosticMessage(line);
        Console.WriteLine(line);
        Directory.CreateDirectory(Path.GetDirectoryName(ResultsFile)!);
        File.AppendAllText(ResultsFile, line + Environment.NewLine, Encoding.UTF8);
    }
}
