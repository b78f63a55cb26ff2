// The lanes benchmark: does a bulk embedding backfill starve chat? One API (Release, with Garnet as its shared store)
// serves a chat model and an embedding model from one Ollama double; chat users stream /v1 completions while the
// first token is timed, first alone, then beside a backfill sending batches of embeddings as fast as its lane admits
// them, then alone again. Release build:
//   dotnet run -c Release --project Tests/Benchmarks/LaneBench [-- --seconds 30]
// Prints the table (Markdown) and writes it to TestResults/bench/lanes.md.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using StreamBench;

var seconds = int.TryParse(args.SkipWhile(a => a != "--seconds").Skip(1).FirstOrDefault(), out var s) ? s : 30;
const int ChatUsers = 16, Backfillers = 16, Batch = 32, EmbeddingSlots = 4;
var root = ChildProcess.RepositoryRoot();
var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Release";
var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

await using var ollama = await StampingOllama.StartAsync();
ollama.Tokens = 30;
// A real model reads the prompt before its first token: the figure the target is relative to.
ollama.FirstToken = TimeSpan.FromMilliseconds(50);

var (tablePort, garnetPort) = (ChildProcess.FreePort(), ChildProcess.FreePort());
using var azurite = ChildProcess.StartAzurite(root, tablePort);
using var garnet = ChildProcess.StartGarnet(root, garnetPort);
await ChildProcess.WaitForAsync(new Uri($"http://127.0.0.1:{tablePort}/devstoreaccount1/Tables"), TimeSpan.FromSeconds(60));

var (apiPort, metricsPort) = (ChildProcess.FreePort(), ChildProcess.FreePort());
var api = new Uri($"http://127.0.0.1:{apiPort}/");
var endpoint = ollama.Endpoint.ToString().TrimEnd('/');
using var apiProcess = ChildProcess.Start("dotnet", [Path.Combine(root, "Api", "bin", configuration, "net10.0", "Api.dll")], new Dictionary<string, string>
{
    ["ASPNETCORE_URLS"] = api.ToString().TrimEnd('/'),
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
    ["ConnectionStrings__tables"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;",
    ["ConnectionStrings__cache"] = $"127.0.0.1:{garnetPort}",
    // The catalogue: a chat model and an embedding model, each its own lane (its own capacity and fair queue).
    ["ConnectionStrings__chat"] = $"Endpoint={endpoint};Model={StampingOllama.Model}",
    ["ConnectionStrings__embed"] = $"Endpoint={endpoint};Model={StampingOllama.Model}",
    ["Llm__Models__chat__Default"] = "true",
    ["Llm__Models__chat__SlotsPerServer"] = "64",
    ["Llm__Models__embed__Kind"] = "Embedding",
    ["Llm__Models__embed__Dimensions"] = Text(StampingOllama.Dimensions),
    ["Llm__Models__embed__ContextLength"] = "2048",
    ["Llm__Models__embed__SlotsPerServer"] = Text(EmbeddingSlots),
    ["Llm__Admission__MaxQueue"] = "1000",
    // Throughput, not governance: one benchmark user may hold the whole queue (each user's share is tested elsewhere).
    ["Llm__Admission__MaxQueuedPerUser"] = "1000",
    ["Llm__Admission__QueueTimeout"] = "00:01:00",
    ["Safety__Canary"] = "cnry-bench-5f0e1d2c3b4a",
    ["Limits__RequestsPerMinute"] = "100000",
    ["Limits__ConcurrentStreams"] = "1000",
    ["Limits__OutputTokensPerDay"] = "1000000000",
    ["Limits__EmbeddingTokensPerDay"] = "1000000000",
    ["Metrics__Port"] = Text(metricsPort),
    ["Logging__LogLevel__Default"] = "Warning",
});
await ChildProcess.WaitForAsync(new Uri(api, "/alive"), TimeSpan.FromSeconds(60));

using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = int.MaxValue }) { Timeout = TimeSpan.FromMinutes(2) };
var client = new StreamClient(http);
var chatKeys = await Task.WhenAll(Enumerable.Range(0, ChatUsers).Select(i => KeyAsync($"lane-chat-{i}")));
var backfillKey = await KeyAsync("lane-backfill");
var texts = Enumerable.Range(0, Batch).Select(i => $"Document chunk {i}: the quarterly report says revenue grew in every region, and costs fell.").ToArray();

Say($"# Lanes benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Say(string.Empty);
Say($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {configuration} build. One API with Garnet as its shared store; "
    + $"{ChatUsers} chat users each streaming /v1 completions one after another ({ollama.Tokens} tokens at {1 / ollama.Interval.TotalSeconds:F0} tokens/s, {ollama.FirstToken.TotalMilliseconds:F0} ms before the model's first token); "
    + $"the backfill is one user with {Backfillers} clients each sending batches of {Batch} texts to /v1/embeddings ({ollama.EmbedPerInput.TotalMilliseconds:F0} ms of model time per text, {EmbeddingSlots} slots on the embedding model). "
    + $"Each phase {seconds} s; client, double, Azurite, Garnet and the API share the machine.");
Say(string.Empty);

// Warm-up: JIT (tiered up), pools, both lanes and both encodings.
await ChatPhaseAsync(TimeSpan.FromSeconds(5), backfill: true);
await ChatPhaseAsync(TimeSpan.FromSeconds(5), backfill: true, encoding: "base64");
await ChatPhaseAsync(TimeSpan.FromSeconds(10), backfill: false);
var before = await ChatPhaseAsync(TimeSpan.FromSeconds(seconds), backfill: false);
var during = await ChatPhaseAsync(TimeSpan.FromSeconds(seconds), backfill: true);
// The openai npm package asks for base64 unless told otherwise: the same backfill, vectors parsed and encoded.
var duringBase64 = await ChatPhaseAsync(TimeSpan.FromSeconds(seconds), backfill: true, encoding: "base64");
var after = await ChatPhaseAsync(TimeSpan.FromSeconds(seconds), backfill: false);
var alone = before.Ttft.Concat(after.Ttft).ToList();

Say("| Phase | Chat replies | First token p50 (ms) | p99 (ms) | Failed | Embeddings made | Embeddings /s | Backfill refused |");
Say("|---|---|---|---|---|---|---|---|");
Row("Chat alone (before)", before);
Row("Chat beside the backfill (floats)", during);
Row("Chat beside the backfill (base64)", duringBase64);
Row("Chat alone (after)", after);
var p99Alone = Stats.Percentile(alone, 99);
Say(string.Empty);
foreach (var (name, phase) in new[] { ("floats", during), ("base64", duringBase64) })
{
    var p99During = Stats.Percentile(phase.Ttft, 99);
    Say($"Chat first-token p99 beside the backfill ({name}): {Stats.Ms(p99During)} ms against {Stats.Ms(p99Alone)} ms alone (both alone phases together): "
        + $"{(p99During / p99Alone - 1) * 100:+0.0;-0.0} % (target: within +10 %). p50: {Stats.Ms(Stats.Percentile(phase.Ttft, 50))} against {Stats.Ms(Stats.Percentile(alone, 50))} ms.");
    Say(string.Empty);
}

var output = Path.Combine(root, "TestResults", "bench");
Directory.CreateDirectory(output);
await File.WriteAllTextAsync(Path.Combine(output, "lanes.md"), report.ToString());
return 0;

void Row(string name, PhaseResult r) =>
    Say($"| {name} | {r.Ttft.Count} | {Stats.Ms(Stats.Percentile(r.Ttft, 50))} | {Stats.Ms(Stats.Percentile(r.Ttft, 99))} | {r.Failed} | {r.Embedded} | {r.Embedded / r.Elapsed.TotalSeconds:F0} | {r.BackfillRefused} |");

async Task<PhaseResult> ChatPhaseAsync(TimeSpan length, bool backfill, string encoding = "float")
{
    using var stop = new CancellationTokenSource(length);
    var ttft = new System.Collections.Concurrent.ConcurrentBag<double>();
    var failed = 0;
    var refused = 0;
    var embeddedBefore = ollama.Embedded;
    var watch = Stopwatch.StartNew();
    var chats = chatKeys.Select(async key =>
    {
        while (!stop.IsCancellationRequested)
        {
            var sample = await client.OpenAiAsync(api, key, "chat", CancellationToken.None);
            if (sample.Ok)
            {
                ttft.Add(sample.TtftMs);
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        }
    });
    var fills = !backfill ? [] : Enumerable.Range(0, Backfillers).Select(async _ =>
    {
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/v1/embeddings")) { Content = JsonContent.Create(new { model = "embed", input = texts, encoding_format = encoding }) };
            request.Headers.Authorization = new("Bearer", backfillKey);
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref refused);
            }
        }
    });
    await Task.WhenAll(chats.Concat(fills));
    return new PhaseResult([.. ttft], failed, ollama.Embedded - embeddedBefore, refused, watch.Elapsed);
}

async Task<string> KeyAsync(string user)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/keys")) { Content = JsonContent.Create(new { name = "lanes" }) };
    request.Headers.Add("X-Dev-User", user);
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("key").GetString()!;
}

static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

internal sealed record PhaseResult(IReadOnlyList<double> Ttft, int Failed, long Embedded, int BackfillRefused, TimeSpan Elapsed);
