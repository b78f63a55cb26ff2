// The streaming benchmark: the chat API beside a bare .NET reverse proxy (YARP) and no proxy at all (Direct), against
// one fake Ollama that stamps every token, in one run, on this machine. Release build:
//   dotnet run -c Release --project Tests/Benchmarks/StreamBench [-- --quick]
// Prints the tables (Markdown) and writes them to TestResults/bench/streaming.md. Options: --quick (capacity up to 750),
// --ttft (the first-token and per-turn tables only), --profile PEER (a CPU profile under bursts of 100, nothing else),
// --allocations PEER (the types allocated most under the same bursts).
// BENCH_VERBOSE=1 shows the children's output; BENCH_TRACE_STORAGE=1 prints every storage request as it goes out.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using StreamBench;

var quick = args.Contains("--quick");
// --ttft: the first-token and per-turn tables only (c=1 and c=100), for iterating on the path before the first token.
var ttftOnly = args.Contains("--ttft");
// --profile PEER: after the warm-up, a CPU profile (dotnet-trace, sampled) of that peer's process under bursts of 100
// streams, and its top frames (exclusive and inclusive); nothing else is measured.
var profilePeer = args.SkipWhile(a => a != "--profile").Skip(1).FirstOrDefault();
// --allocations PEER: the same bursts under dotnet-trace's gc-verbose profile, and the types allocated most.
var allocationsPeer = args.SkipWhile(a => a != "--allocations").Skip(1).FirstOrDefault();
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

var tablePort = ChildProcess.FreePort();
using var azurite = ChildProcess.StartAzurite(root, tablePort);
using var storage = new StorageProxy(tablePort);
await ChildProcess.WaitForAsync(new Uri($"http://127.0.0.1:{tablePort}/devstoreaccount1/Tables"), TimeSpan.FromSeconds(60));

var (apiPort, metricsPort, yarpPort) = (ChildProcess.FreePort(), ChildProcess.FreePort(), ChildProcess.FreePort());
var api = new Uri($"http://127.0.0.1:{apiPort}/");
var yarp = new Uri($"http://127.0.0.1:{yarpPort}/");
// "API+store": the same API with the shared store (Garnet from the repository's tool manifest), as replicas run it:
// shared limits, shared admission, and every reply's events mirrored to its log.
var (storedPort, storedMetricsPort, garnetPort) = (ChildProcess.FreePort(), ChildProcess.FreePort(), ChildProcess.FreePort());
var apiWithStore = new Uri($"http://127.0.0.1:{storedPort}/");
using var garnet = ChildProcess.StartGarnet(root, garnetPort);
using var apiProcess = ChildProcess.Start("dotnet", [Path.Combine(root, "Api", "bin", configuration, "net10.0", "Api.dll")], ApiSettings(api, metricsPort, cache: null));
using var storedProcess = ChildProcess.Start("dotnet", [Path.Combine(root, "Api", "bin", configuration, "net10.0", "Api.dll")], ApiSettings(apiWithStore, storedMetricsPort, cache: $"127.0.0.1:{garnetPort}"));

Dictionary<string, string> ApiSettings(Uri url, int metrics, string? cache)
{
    var settings = new Dictionary<string, string>
{
    ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
    ["ConnectionStrings__tables"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{storage.Port}/devstoreaccount1;",
    [$"ConnectionStrings__{StampingOllama.ApiModelId}"] = $"Endpoint={ollama.Endpoint.ToString().TrimEnd('/')};Model={StampingOllama.Model}",
    ["Safety__Canary"] = "cnry-bench-5f0e1d2c3b4a",
    ["Limits__RequestsPerMinute"] = "100000",
    ["Limits__ConcurrentStreams"] = "1000",
    ["Limits__OutputTokensPerDay"] = "1000000000",
    ["Llm__Admission__SlotsPerServer"] = "10000",
    ["Llm__Admission__MaxQueue"] = "1000",
    // Throughput, not governance: one benchmark user may hold the whole queue (each user's share is tested elsewhere).
    ["Llm__Admission__MaxQueuedPerUser"] = "1000",
    ["Conversations__MaxMessagesPerConversation"] = "10000",
    ["Metrics__Port"] = Text(metrics),
    ["Logging__LogLevel__Default"] = "Warning",
};
    if (cache is not null)
    {
        settings["ConnectionStrings__cache"] = cache;
    }

    return settings;
}

using var yarpProcess = ChildProcess.Start("dotnet", [Path.Combine(root, "Tests", "Benchmarks", "YarpPeer", "bin", configuration, "net10.0", "YarpPeer.dll"), "--urls", yarp.ToString().TrimEnd('/'), "--destination", ollama.Endpoint.ToString()],
    new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
await ChildProcess.WaitForAsync(new Uri(api, "/alive"), TimeSpan.FromSeconds(60));
await ChildProcess.WaitForAsync(new Uri(apiWithStore, "/alive"), TimeSpan.FromSeconds(60));
await ChildProcess.WaitForAsync(yarp, TimeSpan.FromSeconds(60));

using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = int.MaxValue }) { Timeout = TimeSpan.FromMinutes(2) };
var client = new StreamClient(http);
var levels = ttftOnly ? [100] : quick ? new[] { 250, 500, 750 } : [250, 500, 750, 1000, 1500];
// Each API process its own users: two deployments do not share users' day rows (two replicas of one do, with the store).
var conversations = await CreateConversationsAsync(http, api, levels.Max(), "bench");
var storedConversations = await CreateConversationsAsync(http, apiWithStore, levels.Max(), "bench-stored");
var keys = await CreateKeysAsync(http, api, conversations);
string[] peers = ["Direct", "YARP", "API", "API /v1", "API+store"];

Say($"# Streaming benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Say(string.Empty);
Say($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {configuration} build; Ollama double at {1 / ollama.Interval.TotalSeconds:F0} tokens/s, {ollama.Tokens} tokens a reply; the API on Azurite (in memory) behind a counting proxy; API /v1 is the same API's OpenAI-compatible route with a personal key; API+store is the same API with Garnet as its shared store. Client, double, Azurite, Garnet and peers share the machine.");
Say(string.Empty);

// Warm-up: JIT, connection pools, the API's table and breaker state.
await RunAsync("Direct", 20, false);
await RunAsync("YARP", 20, false);
await RunAsync("API", 20, false);
await RunAsync("API+store", 20, false);
await RunAsync("API /v1", 20, false);

if (profilePeer is not null)
{
    return await ProfileAsync(profilePeer);
}

if (allocationsPeer is not null)
{
    return await AllocationsAsync(allocationsPeer);
}

var rows = new List<string>();
var perTurn = new List<string>();
var memory = new List<string>();
foreach (var c in ttftOnly ? [1, 100] : new[] { 1, 100, 500 })
{
    var results = new Dictionary<string, PhaseResult>();
    foreach (var peer in peers)
    {
        results[peer] = await RunAsync(peer, c, measure: true);
    }

    var direct = results["Direct"];
    foreach (var (peer, result) in results)
    {
        rows.Add($"| {c} | {peer} | {Stats.Ms(result.TtftP50)} | {Stats.Ms(result.TtftP99)} | {(peer == "Direct" ? "0" : $"+{Stats.Ms(result.TtftP50 - direct.TtftP50)} / +{Stats.Ms(result.TtftP99 - direct.TtftP99)}")} | {Stats.Ms(result.GapP99)} | {Stats.Ms(result.TransitP50)} / {Stats.Ms(result.TransitP99)} | {result.Errors} | {result.Cpu} |");
        if (peer != "Direct" && c == 500)
        {
            memory.Add($"| {peer} | {result.IdleRssMb:F0} MB | {result.PeakRssMb:F0} MB | {(result.PeakRssMb - result.IdleRssMb) * 1024 / c:F0} KB | {result.AfterRssMb:F0} MB |");
        }
    }

    foreach (var peer in new[] { "YARP", "API", "API /v1", "API+store" })
    {
        var turn = results[peer];
        perTurn.Add(peer == "YARP"
            ? $"| {c} | {peer} | - | - | - | - | {turn.CpuPerTurnMs:F1} ms | {turn.CpuPerTokenUs:F0} µs | - | - |"
            : $"| {c} | {peer} | {turn.StorageCallsPerTurn:F1} | {turn.ExceptionsPerTurn:F2} | {turn.AllocatedPerTurnKb:F0} KB | {turn.AllocatedPerTokenKb:F2} KB | {turn.CpuPerTurnMs:F1} ms | {turn.CpuPerTokenUs:F0} µs | {turn.AzuriteCpuPerTurnMs:F1} ms | {turn.GarnetCpuPerTurnMs:F1} ms |");
    }
}

Say("## Time to first token, gaps and transit (ms)");
Say(string.Empty);
Say("| c | Peer | TTFT p50 | TTFT p99 | Added TTFT p50 / p99 | Gap p99 | Transit p50 / p99 | Errors | CPU (s) |");
Say("|---|---|---|---|---|---|---|---|---|");
rows.ForEach(Say);
Say(string.Empty);
Say("## Per turn: the API's storage calls, exceptions and allocations; CPU of the peer and of the emulators (per turn, all counted over the phase)");
Say(string.Empty);
Say("| c | Peer | Storage calls | Exceptions | Allocated | Allocated per token | Peer's CPU | Peer's CPU per token | Azurite CPU | Garnet CPU |");
Say("|---|---|---|---|---|---|---|---|---|---|");
perTurn.ForEach(Say);
Say(string.Empty);
// What the first token waits for: the same turns with 5 ms added to every storage call (a real account's round trip).
// With the double answering at once, every call made before the first token adds 5 ms to it; with the double taking
// 30 ms to its first token, as a real model does on a short prompt, only the calls that outlast the model's own work
// do. The added first-token time at 30 ms is over Direct with the same 30 ms.
Say("## What the first token waits for: storage +5 ms a call, c=1");
Say(string.Empty);
Say("| Peer | Model's first token | TTFT p50 | TTFT p50, storage +5 ms | Storage calls the first token waits for | Added TTFT p50 (storage +0) | Storage calls per turn |");
Say("|---|---|---|---|---|---|---|");
foreach (var firstToken in new[] { 0, 30 })
{
    ollama.FirstToken = TimeSpan.FromMilliseconds(firstToken);
    var direct = await RunAsync("Direct", 1, measure: true);
    foreach (var peer in new[] { "YARP", "API", "API /v1", "API+store" })
    {
        var plain = await RunAsync(peer, 1, measure: true);
        storage.Delay = TimeSpan.FromMilliseconds(5);
        var slow = peer == "YARP" ? plain : await RunAsync(peer, 1, measure: true);
        storage.Delay = TimeSpan.Zero;
        Say($"| {peer} | {firstToken} ms | {Stats.Ms(plain.TtftP50)} | {(peer == "YARP" ? "-" : Stats.Ms(slow.TtftP50))} | {(peer == "YARP" ? "-" : $"{Math.Max(0, (slow.TtftP50 - plain.TtftP50) / 5):F1}")} | +{Stats.Ms(plain.TtftP50 - direct.TtftP50)} | {(peer == "YARP" ? "-" : $"{slow.StorageCallsPerTurn:F1}")} |");
    }
}

ollama.FirstToken = TimeSpan.Zero;
Say(string.Empty);
if (ttftOnly)
{
    return await WriteReportAsync();
}

// What one more token costs the API, apart from the turn: 15 replies of 30 tokens, then 15 of 300, each reply lasting
// a second, so the API's own background work (timers, health checks, metrics) weighs the same in both; what it
// allocates in a second with no turn at all is then taken off the turn's figure.
var shortTurns = await RunAsync("API", 1, measure: false);
ollama.Tokens = 300;
ollama.Interval = TimeSpan.FromSeconds(1.0 / 300);
var longTurns = await RunAsync("API", 1, measure: false);
ollama.Tokens = 30;
ollama.Interval = TimeSpan.FromSeconds(1.0 / 30);
var idleBefore = await RuntimeCountersAsync(metricsPort);
await Task.Delay(TimeSpan.FromSeconds(15));
var idleAfter = await RuntimeCountersAsync(metricsPort);
var idlePerSecond = (idleAfter.Allocated - idleBefore.Allocated) / 1024.0 / 15;
var perExtraToken = (longTurns.AllocatedPerTurnKb - shortTurns.AllocatedPerTurnKb) / 270;
Say($"Allocated per extra streamed token (300-token replies against 30-token ones, each a second long): {perExtraToken:F2} KB; " +
    $"per turn apart from its tokens and the {idlePerSecond:F0} KB the API allocates in an idle second: {shortTurns.AllocatedPerTurnKb - (30 * perExtraToken) - idlePerSecond:F0} KB.");
Say(string.Empty);
Say("## Memory at c=500 (resident set)");
Say(string.Empty);
Say("| Peer | Idle | With 500 streams | Per stream | 3 s after |");
Say("|---|---|---|---|---|");
memory.ForEach(Say);
Say(string.Empty);

Say("## Capacity: streams at 30 tokens/s with p99 gap under 66.7 ms and no error");
Say(string.Empty);
Say("| Peer | " + string.Join(" | ", levels.Select(l => $"c={l} gap p99 (errors)")) + " | Capacity |");
Say("|---|" + string.Concat(levels.Select(_ => "---|")) + "---|");
foreach (var peer in peers)
{
    var cells = new List<string>();
    var capacity = 0;
    var failed = false;
    foreach (var level in levels)
    {
        if (failed)
        {
            cells.Add("-");
            continue;
        }

        var result = await RunAsync(peer, level, measure: false);
        cells.Add($"{Stats.Ms(result.GapP99)} ({result.Errors})");
        if (result.GapP99 < 66.7 && result.Errors == 0)
        {
            capacity = level;
        }
        else
        {
            failed = true;
        }
    }

    Say($"| {peer} | {string.Join(" | ", cells)} | {(capacity == 0 ? "< " + levels[0] : (failed ? "" : "≥ ") + capacity)} |");
}

Say(string.Empty);
return await WriteReportAsync();

async Task<int> AllocationsAsync(string peer)
{
    var trace = await TraceAsync(peer, "allocations", "gc-verbose", bursts: 5, TimeSpan.FromSeconds(20));
    Say($"## Allocations of {peer}: 5 bursts of 100 streams, the types allocated most");
    Say(string.Empty);
    Say("dotnet-trace (gc-verbose): the runtime's allocation ticks (one about every 100 KB), summed by type.");
    Say(string.Empty);
    Say("| Share | Type |");
    Say("|---|---|");
    foreach (var (type, share) in AllocationTypes.Top(trace, 25))
    {
        Say($"| {share * 100:F1}% | `{type}` |");
    }

    Say(string.Empty);
    Say("The code that allocated them: each sample's first frame outside the runtime's System.* libraries.");
    Say(string.Empty);
    Say("| Share | Allocated by |");
    Say("|---|---|");
    foreach (var (site, share) in AllocationTypes.Sites(trace, 30))
    {
        Say($"| {share * 100:F1}% | `{(site.Length > 160 ? site[..160] : site)}` |");
    }

    Say(string.Empty);
    Say("The objects the finalizer ran for (each one dropped without being disposed), per turn:");
    Say(string.Empty);
    Say("| Per turn | Type |");
    Say("|---|---|");
    foreach (var (type, count) in AllocationTypes.Finalized(trace, 15))
    {
        Say($"| {count / 500.0:F2} | `{type}` |");
    }

    Say(string.Empty);
    return await WriteReportAsync();
}

// A dotnet-trace profile of the peer's process over bursts of 100 streams, after three bursts that warm it (the JIT's
// tiers, the DI container's compiled factories, whose first versions the finalizer then frees): the trace file.
async Task<string> TraceAsync(string peer, string name, string profile, int bursts, TimeSpan duration)
{
    var process = peer switch { "API" or "API /v1" => apiProcess, "API+store" => storedProcess, _ => yarpProcess };
    var output = Path.Combine(root, "TestResults", "bench");
    Directory.CreateDirectory(output);
    var trace = Path.Combine(output, $"{name}-{peer.Replace(' ', '-').Replace('/', '-').Replace('+', '-')}.nettrace");
    for (var i = 0; i < 3; i++)
    {
        await RunAsync(peer, 100, measure: false);
    }

    await Task.Delay(2000);
    using var collector = ChildProcess.Start("dotnet", ["dotnet-trace", "collect", "-p", Text(process.Id), "--profile", profile, "-o", trace, "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture)], workingDirectory: root);
    await Task.Delay(3000);
    for (var i = 0; i < bursts; i++)
    {
        await RunAsync(peer, 100, measure: false);
    }

    await collector.WaitForExitAsync(TimeSpan.FromSeconds(60));
    return trace;
}

async Task<int> ProfileAsync(string peer)
{
    var trace = await TraceAsync(peer, "profile", "dotnet-sampled-thread-time", bursts: 10, TimeSpan.FromSeconds(25));
    using (var convert = ChildProcess.Start("dotnet", ["dotnet-trace", "convert", trace, "--format", "Speedscope", "-o", Path.ChangeExtension(trace, null)], workingDirectory: root))
    {
        await convert.WaitForExitAsync(TimeSpan.FromMinutes(3));
    }

    var speedscope = Path.ChangeExtension(trace, ".speedscope.json");
    Say($"## CPU profile of {peer}: 10 bursts of 100 streams, where the CPU went");
    Say(string.Empty);
    Say("dotnet-trace (dotnet-sampled-thread-time), the time threads ran managed code; inclusive share of that time. First every frame, then the API's own and the libraries' entry points.");
    Say(string.Empty);
    Say("| Share | Frame |");
    Say("|---|---|");
    foreach (var (frame, share) in ProfileFrames.Inclusive(speedscope, 25, f => !f.StartsWith("Thread (", StringComparison.Ordinal) && f is not "CPU_TIME" and not "Threads" and not "(Non-Activities)" && !f.StartsWith("Process", StringComparison.Ordinal)))
    {
        Say($"| {share * 100:F1}% | `{frame.Replace("|", "/", StringComparison.Ordinal)[..Math.Min(frame.Length, 140)]}` |");
    }

    Say(string.Empty);
    Say("| Share | Frame (Api, Azure, Kestrel, StackExchange.Redis, System.Text.Json) |");
    Say("|---|---|");
    foreach (var (frame, share) in ProfileFrames.Inclusive(speedscope, 30, f => f.StartsWith("Api!", StringComparison.Ordinal) || f.StartsWith("Azure", StringComparison.Ordinal) || f.Contains("Kestrel", StringComparison.Ordinal) || f.StartsWith("StackExchange", StringComparison.Ordinal) || f.StartsWith("System.Text.Json", StringComparison.Ordinal)))
    {
        Say($"| {share * 100:F1}% | `{frame.Replace("|", "/", StringComparison.Ordinal)[..Math.Min(frame.Length, 140)]}` |");
    }

    Say(string.Empty);
    return await WriteReportAsync();
}

async Task<int> WriteReportAsync()
{
    var output = Path.Combine(root, "TestResults", "bench");
    Directory.CreateDirectory(output);
    await File.WriteAllTextAsync(Path.Combine(output, "streaming.md"), report.ToString());
    Console.WriteLine($"Written to {Path.Combine(output, "streaming.md")}");
    return 0;
}

// One phase: c streams at once (c = 1: fifteen in a row), through one peer.
async Task<PhaseResult> RunAsync(string peer, int c, bool measure)
{
    var process = peer switch { "API" or "API /v1" => apiProcess, "API+store" => storedProcess, "YARP" => yarpProcess, _ => null };
    var isApi = peer.StartsWith("API", StringComparison.Ordinal);
    var counters = peer == "API+store" ? storedMetricsPort : metricsPort;
    GC.Collect();
    await Task.Delay(measure ? 500 : 200);
    var idle = process?.ResidentBytes() ?? 0;
    var cpu = process?.CpuTime() ?? TimeSpan.Zero;
    var storageBefore = storage.Requests;
    var emulatorBefore = (azurite.CpuTime(), garnet.CpuTime());
    var runtimeBefore = isApi ? await RuntimeCountersAsync(counters) : default;
    long peak = idle;
    using var sampling = new CancellationTokenSource();
    var sampler = process is null ? Task.CompletedTask : Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            peak = Math.Max(peak, process.ResidentBytes());
            await Task.Delay(100);
        }
    });

    Task<StreamSample> One(int i) => peer switch
    {
        "Direct" => client.OllamaAsync(ollama.Endpoint, CancellationToken.None),
        "YARP" => client.OllamaAsync(yarp, CancellationToken.None),
        "API+store" => client.ApiAsync(apiWithStore, storedConversations[i].Id, storedConversations[i].User, CancellationToken.None),
        "API /v1" => client.OpenAiAsync(api, keys[i], StampingOllama.ApiModelId, CancellationToken.None),
        _ => client.ApiAsync(api, conversations[i].Id, conversations[i].User, CancellationToken.None),
    };

    var samples = new List<StreamSample>();
    if (c == 1)
    {
        for (var i = 0; i < 15; i++)
        {
            samples.Add(await One(i));
        }
    }
    else
    {
        samples.AddRange(await Task.WhenAll(Enumerable.Range(0, c).Select(One)));
    }

    await sampling.CancelAsync();
    await sampler;
    var cpuUsed = process is null ? TimeSpan.Zero : process.CpuTime() - cpu;
    var (azuriteUsed, garnetUsed) = (azurite.CpuTime() - emulatorBefore.Item1, garnet.CpuTime() - emulatorBefore.Item2);
    await Task.Delay(measure && c >= 500 ? 3000 : 0);
    var after = process?.ResidentBytes() ?? 0;
    var runtimeAfter = isApi ? await RuntimeCountersAsync(counters) : default;
    var ok = samples.Where(s => s.Ok).ToList();
    var turns = Math.Max(1, samples.Count);
    var tokens = Math.Max(1, samples.Sum(s => s.Tokens));
    foreach (var error in samples.Where(s => !s.Ok).Select(s => s.Error).Distinct().Take(3))
    {
        Console.Error.WriteLine($"  {peer} c={c}: {error}");
    }

    return new PhaseResult(
        Stats.Percentile(ok.Select(s => s.TtftMs).ToList(), 50),
        Stats.Percentile(ok.Select(s => s.TtftMs).ToList(), 99),
        Stats.Percentile(ok.SelectMany(s => s.GapsMs).ToList(), 99),
        Stats.Percentile(ok.SelectMany(s => s.TransitMs).ToList(), 50),
        Stats.Percentile(ok.SelectMany(s => s.TransitMs).ToList(), 99),
        samples.Count - ok.Count,
        cpuUsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),
        idle / 1048576.0, peak / 1048576.0, after / 1048576.0,
        (storage.Requests - storageBefore) / (double)turns,
        (runtimeAfter.Exceptions - runtimeBefore.Exceptions) / turns,
        (runtimeAfter.Allocated - runtimeBefore.Allocated) / 1024.0 / turns,
        (runtimeAfter.Allocated - runtimeBefore.Allocated) / 1024.0 / tokens,
        cpuUsed.TotalMilliseconds / turns, cpuUsed.TotalMilliseconds * 1000 / tokens, azuriteUsed.TotalMilliseconds / turns, garnetUsed.TotalMilliseconds / turns);
}

// The API's runtime counters from its Prometheus endpoint (the System.Runtime meter).
async Task<(double Exceptions, double Allocated)> RuntimeCountersAsync(int port)
{
    var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
    double Sum(string name) => text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is '{' or ' '))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    return (Sum("dotnet_exceptions_total"), Sum("dotnet_gc_heap_total_allocated_bytes_total"));
}

static async Task<List<(string Id, string User)>> CreateConversationsAsync(HttpClient http, Uri api, int count, string users)
{
    var created = new (string, string)[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
    {
        var user = $"{users}-{i}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/conversations")) { Content = System.Net.Http.Json.JsonContent.Create(new { title = "bench" }) };
        request.Headers.Add("X-Dev-User", user);
        using var response = await http.SendAsync(request, token);
        response.EnsureSuccessStatusCode();
        var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(token)).RootElement.GetProperty("id").GetString()!;
        created[i] = (id, user);
    });
    return [.. created];
}

// A personal key for each benchmark user, for the OpenAI-compatible route.
static async Task<string[]> CreateKeysAsync(HttpClient http, Uri api, List<(string Id, string User)> users)
{
    var keys = new string[users.Count];
    await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/keys")) { Content = System.Net.Http.Json.JsonContent.Create(new { name = "bench" }) };
        request.Headers.Add("X-Dev-User", users[i].User);
        using var response = await http.SendAsync(request, token);
        response.EnsureSuccessStatusCode();
        keys[i] = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(token)).RootElement.GetProperty("key").GetString()!;
    });
    return keys;
}

static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

internal sealed record PhaseResult(
    double TtftP50, double TtftP99, double GapP99, double TransitP50, double TransitP99, int Errors, string Cpu,
    double IdleRssMb, double PeakRssMb, double AfterRssMb,
    double StorageCallsPerTurn, double ExceptionsPerTurn, double AllocatedPerTurnKb, double AllocatedPerTokenKb,
    double CpuPerTurnMs, double CpuPerTokenUs, double AzuriteCpuPerTurnMs, double GarnetCpuPerTurnMs);
