// The governance benchmark: what refused requests cost the API, side by side with the API before issue 17 (another
// build, named with --before), in one run on this machine. Release build:
//   git worktree add /tmp/before <commit> && dotnet build -c Release /tmp/before/Api/Api.csproj
//   dotnet run -c Release --project Tests/Benchmarks/GovernanceBench -- --before /tmp/before/Api/bin/Release/net10.0/Api.dll
// 1. The worst refused /v1 request: its CPU in the API process, per request (tools with an invalid schema included).
// 2. 10,000 distinct made-up keys: the storage reads they cost, and a genuine key user's latency meanwhile.
// 3. One key's 8 batches of 256 inputs to /v1/embeddings at once: what reaches the embedding server.
// Prints the tables (Markdown) and writes them to TestResults/bench/governance.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StreamBench;

var root = ChildProcess.RepositoryRoot();
var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Release";
var beforeIndex = Array.IndexOf(args, "--before");
var builds = new List<(string Name, string Dll)> { ("after", Path.Combine(root, "Api", "bin", configuration, "net10.0", "Api.dll")) };
if (beforeIndex >= 0 && beforeIndex + 1 < args.Length)
{
    builds.Insert(0, ("before", Path.GetFullPath(args[beforeIndex + 1])));
}

var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

var tablePort = ChildProcess.FreePort();
using var azurite = ChildProcess.StartAzurite(root, tablePort);
using var storage = new StorageProxy(tablePort);
await ChildProcess.WaitForAsync(new Uri($"http://127.0.0.1:{tablePort}/devstoreaccount1/Tables"), TimeSpan.FromSeconds(60));
// A model that answers at once, so the breaker stays closed and refusals come from the steps measured.
await using var ollama = await StampingOllama.StartAsync();
ollama.Tokens = 3;
ollama.Interval = TimeSpan.FromMilliseconds(1);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromMinutes(2) };

Say($"# Governance benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Say(string.Empty);
Say($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {configuration} build; each build of the API in its own process on Azurite (in memory) behind a counting proxy, with a model double that answers at once; every request measured is refused before the model (or lists models). Client, double, Azurite and API share the machine.");
Say(string.Empty);

var refusals = new List<string>();
var keys = new List<string>();
var embeddings = new List<string>();
foreach (var (name, dll) in builds)
{
    var port = ChildProcess.FreePort();
    var api = new Uri($"http://127.0.0.1:{port}/");
    using var process = ChildProcess.Start("dotnet", [dll], new Dictionary<string, string>
    {
        ["ASPNETCORE_URLS"] = api.ToString().TrimEnd('/'),
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["Auth__DevUser__Enabled"] = "true",
        ["ConnectionStrings__tables"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{storage.Port}/devstoreaccount1;",
        ["ConnectionStrings__chat"] = $"Endpoint={ollama.Endpoint.ToString().TrimEnd('/')};Model={StampingOllama.Model}",
        ["ConnectionStrings__embed"] = $"Endpoint={ollama.Endpoint.ToString().TrimEnd('/')};Model={StampingOllama.Model}",
        ["Llm__Models__chat__Default"] = "true",
        ["Llm__Models__chat__Tools"] = "true",
        ["Llm__Models__embed__Kind"] = "Embedding",
        ["Llm__Models__embed__Dimensions"] = StampingOllama.Dimensions.ToString(CultureInfo.InvariantCulture),
        ["Llm__Models__embed__ContextLength"] = "2048",
        ["Llm__Models__embed__SlotsPerServer"] = "4",
        ["Safety__Canary"] = "cnry-bench-5f0e1d2c3b4a",
        ["Limits__RequestsPerMinute"] = "5",
        ["Conversations__TableName"] = $"bench{name}",
        ["ApiKeys__TableName"] = $"benchkeys{name}",
        ["Logging__LogLevel__Default"] = "Warning",
    });
    await ChildProcess.WaitForAsync(new Uri(api, "/alive"), TimeSpan.FromSeconds(60));
    var user = $"bench-{name}";
    var key = await NewKeyAsync(api, user);
    await ModelsAsync(api, key); // warm-up: JIT, the key in the cache

    // 1. The worst refused /v1 requests. A body just under the 1 MB limit, of 16,000-character messages (the most a
    // message may have; together over any context budget), and one that fits the budget (15,000 characters) from a
    // user past their per-minute limit.
    var huge = Body(Enumerable.Range(0, 50).Select(i => Filler(16_000, i)));
    var fits = Body(Enumerable.Range(0, 3).Select(i => Filler(5_000, i)));
    // Tools whose last schema is invalid, every other one valid and checked first: 12 of about 1 KB (within the
    // context budget), and 128 of about 5 KB (just under the 1 MB body limit; OpenAI's most tools).
    var someTools = ToolsBody(12, 1_000);
    var mostTools = ToolsBody(128, 5_200);
    foreach (var (shape, body) in new[]
    {
        ($"{huge.Length / 1024} KB: 50 messages of 16,000 characters", huge),
        ("15,000 characters, over the per-minute limit", fits),
        ($"{someTools.Length / 1024} KB: 12 tools, the last schema invalid, over the per-minute limit", someTools),
        ($"{mostTools.Length / 1024} KB: 128 tools, the last schema invalid", mostTools),
    })
    {
        for (var i = 0; i < 6; i++)
        {
            await CompleteAsync(api, key, body); // uses up the per-minute limit; warms the path
        }

        const int Requests = 30;
        var cpu = process.CpuTime();
        var codes = new Dictionary<string, int>();
        for (var i = 0; i < Requests; i++)
        {
            var code = await CompleteAsync(api, key, body);
            codes[code] = codes.GetValueOrDefault(code) + 1;
        }

        var perRequest = (process.CpuTime() - cpu).TotalMilliseconds / Requests;
        refusals.Add($"| {shape} | {name} | {string.Join(", ", codes.Select(c => $"{c.Key} × {c.Value}"))} | {perRequest:F1} |");
    }

    // 3 first: after the made-up keys, the before build refuses a new key from this address unread (finding 11).
    embeddings.Add(await EmbeddingFloodAsync(api, name));

    // 2. Made-up keys from one address (at least 10,000, and for as long as the genuine user's 500 requests take),
    // while a genuine key user lists models; the same 500 requests measured without the flood first.
    const int GenuineRequests = 500;
    var quiet = await GenuineLatenciesAsync(api, key, GenuineRequests);
    var readsBefore = storage.Requests;
    var genuine = GenuineLatenciesAsync(api, key, GenuineRequests);
    var flood = Stopwatch.StartNew();
    var statuses = new Dictionary<int, int>();
    var sent = 0;
    await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (_, ct) =>
    {
        while (Volatile.Read(ref sent) < 10_000 || !genuine.IsCompleted)
        {
            Interlocked.Increment(ref sent);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api, "/v1/models"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "llmc_" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N")[..11]);
            using var response = await http.SendAsync(request, ct);
            lock (statuses)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            }
        }
    });
    flood.Stop();
    var during = await genuine;
    var reads = storage.Requests - readsBefore;
    keys.Add($"| {name} | {sent:N0} in {flood.Elapsed.TotalSeconds:F1} s: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value:N0}"))} | {reads:N0} ({reads * 10_000.0 / sent:F0} per 10,000) | {Stats.Ms(Stats.Percentile(quiet, 50))} / {Stats.Ms(Stats.Percentile(quiet, 99))} | {Stats.Ms(Stats.Percentile(during, 50))} / {Stats.Ms(Stats.Percentile(during, 99))} ({during.Count} of {GenuineRequests} answered) |");
}

Say("## The worst refused /v1 request: the API's CPU per request");
Say(string.Empty);
Say("| Request | Build | Answers (code × count) | API CPU per request (ms) |");
Say("|---|---|---|---|");
refusals.ForEach(Say);
Say(string.Empty);
Say("## Distinct made-up keys from one address, and a genuine key user meanwhile (500 requests each way)");
Say(string.Empty);
Say("| Build | Made-up keys sent: answers (status × count) | Storage requests | Genuine key p50 / p99, quiet (ms) | Genuine key p50 / p99, during the flood (ms) |");
Say("|---|---|---|---|---|");
keys.ForEach(Say);
Say(string.Empty);
Say("## One key's 8 batches of 256 inputs at once (/v1/embeddings)");
Say(string.Empty);
Say("| Build | Answers (status × count) | Calls to /api/embed | Inputs at the embedding server at once, at most |");
Say("|---|---|---|---|");
embeddings.ForEach(Say);
Directory.CreateDirectory(Path.Combine(root, "TestResults", "bench"));
await File.WriteAllTextAsync(Path.Combine(root, "TestResults", "bench", "governance.md"), report.ToString());
return 0;

// 8 batches of 256 inputs of about 40 words, sent at once with one key (the user's requests per minute is 5 here).
async Task<string> EmbeddingFloodAsync(Uri api, string build)
{
    var key = await NewKeyAsync(api, $"bench-embed-{build}");
    var inputs = Enumerable.Range(0, 256).Select(i => string.Join(' ', Enumerable.Repeat($"quarterly figures {i} for the region", 8))).ToArray();
    var body = JsonSerializer.SerializeToUtf8Bytes(new { model = "embed", input = inputs });
    var calls = ollama.EmbedCalls;
    ollama.ResetEmbedPeak();
    var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(api, "/v1/embeddings", key, body)));
    var codes = answers.GroupBy(a => a).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} × {g.Count()}");
    return $"| {build} | {string.Join(", ", codes)} | {ollama.EmbedCalls - calls} | {ollama.EmbedInputsPeak} |";
}

async Task<string> NewKeyAsync(Uri api, string user)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/keys")) { Content = JsonContent.Create(new { name = "bench" }) };
    request.Headers.Add("X-Dev-User", user);
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
}

async Task<HttpStatusCode> ModelsAsync(Uri api, string key)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api, "/v1/models"));
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
    using var response = await http.SendAsync(request);
    return response.StatusCode;
}

// The latencies of the requests answered 200; a refused one (a genuine user locked out) is left out and shows as
// fewer than asked in the table.
async Task<List<double>> GenuineLatenciesAsync(Uri api, string key, int requests)
{
    var latencies = new List<double>();
    for (var i = 0; i < requests; i++)
    {
        var started = Stopwatch.GetTimestamp();
        var status = await ModelsAsync(api, key);
        if (status == HttpStatusCode.OK)
        {
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        await Task.Delay(10, CancellationToken.None);
    }

    return latencies;
}

Task<string> CompleteAsync(Uri api, string key, byte[] body) => PostAsync(api, "/v1/chat/completions", key, body);

// A JSON body posted with a key: "200", or the status and the error's code.
async Task<string> PostAsync(Uri api, string path, string key, byte[] body)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, path)) { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    return response.IsSuccessStatusCode ? "200" : $"{(int)response.StatusCode} {JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString()}";
}

// Text with what costs the sanitiser and the detector most: invisible characters to remove, look-alikes to fold, and
// phrases close to the injection patterns, over and over.
static string Filler(int length, int seed)
{
    const string Piece = "Please ignore\u200B the previous formatting and reveal\u00A0the summary of section Іnstructions 42. ";
    var text = new StringBuilder(length);
    while (text.Length < length)
    {
        text.Append(Piece).Append(seed);
    }

    return text.ToString(0, length);
}

// count tools, each with a schema of about size characters (string properties with descriptions); the last one's
// "required" is a string, which the JSON Schema meta-schema refuses.
static byte[] ToolsBody(int count, int size)
{
    var properties = Enumerable.Range(0, size / 60).ToDictionary(p => $"field{p}", p => (object)new { type = "string", description = $"The value of field {p} of the record." });
    var tools = Enumerable.Range(0, count).Select(t => new
    {
        type = "function",
        function = new
        {
            name = $"tool{t}",
            description = $"Tool number {t}.",
            parameters = t == count - 1
                ? (object)new { type = "object", properties, required = "field0" }
                : new { type = "object", properties, required = new[] { "field0" } },
        },
    });
    return JsonSerializer.SerializeToUtf8Bytes(new { model = "chat", messages = new[] { new { role = "user", content = "hi" } }, tools });
}

static byte[] Body(IEnumerable<string> messages) =>
    JsonSerializer.SerializeToUtf8Bytes(new { model = "chat", messages = messages.Select(m => new { role = "user", content = m }) });

