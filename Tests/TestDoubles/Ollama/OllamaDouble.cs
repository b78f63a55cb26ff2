using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Tests.TestDoubles.Ollama;

/// <summary>
/// TEST DOUBLE for the Ollama server: the real container cannot run on machines without a container engine
/// or GPU. It listens on a loopback port and speaks Ollama's HTTP API with its real field names (NDJSON streams
/// for <c>/api/chat</c>, <c>/api/generate</c> and <c>/api/pull</c>; <c>/api/tags</c>, <c>/api/show</c>,
/// <c>/api/ps</c>, <c>/api/version</c>, <c>/api/delete</c>, <c>/</c>), so the real OllamaSharp client talks to it.
/// Tests script the token cadence, the first-token delay and faults (503 busy, 500, cut stream, stall,
/// an error line), and read back every request it received, including when the client cancelled.
/// </summary>
public sealed class OllamaDouble : IAsyncDisposable
{
    public const string Version = "0.17.1";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };

    private readonly ConcurrentQueue<OllamaDoubleScript> _scripts = new();
    private readonly ConcurrentBag<OllamaDoubleRequest> _requests = [];
    private readonly ConcurrentDictionary<string, long> _models = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, OllamaModelCapabilities> _capabilities = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _faultGate = new();
    private WebApplication? _app;
    private int _port;
    private int _inFlight;
    private int _maxInFlight;
    private int _faultsServed;

    private OllamaDouble()
    {
    }

    public Uri Endpoint => new($"http://127.0.0.1:{_port}");

    /// <summary>The answer to streaming requests when no script is queued.</summary>
    public OllamaDoubleScript DefaultScript { get; set; } = new();

    /// <summary>
    /// How long <c>/api/embed</c> takes per input (zero: at once): Ollama embeds a request's inputs one by one through
    /// its runner (server/routes.go, <c>EmbedHandler</c>), so a batch takes as long as its inputs together.
    /// </summary>
    public TimeSpan EmbedTimePerInput { get; set; }

    /// <summary>
    /// When set, every <c>/api/embed</c> call waits for it (once recorded and checked) before it answers, so a test
    /// decides when the server is busy rather than guessing how long a call takes. <see cref="EmbedCallsWaiting"/>
    /// counts the calls held.
    /// </summary>
    public TaskCompletionSource? EmbedGate { get; set; }

    public int EmbedCallsWaiting => Volatile.Read(ref _embedCallsWaiting);

    private int _embedCallsWaiting;

    /// <summary>The reply to non-streaming chat requests (title generation).</summary>
    public string NonStreamingReply { get; set; } = "Test conversation title";

    /// <summary>How <c>/api/ps</c> reports loaded models: bytes in VRAM of the model's size (0 means CPU).</summary>
    public long RunningSizeVram { get; set; } = 1_000_000_000;

    public long RunningSize { get; set; } = 1_000_000_000;

    /// <summary>Simulated pull speed: steps of the <c>/api/pull</c> progress stream.</summary>
    public int PullSteps { get; set; } = 5;

    public IReadOnlyCollection<OllamaDoubleRequest> Requests => [.. _requests.OrderBy(r => r.ReceivedAt)];

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public bool IsRunning => _app is not null;

    public static async Task<OllamaDouble> StartAsync(params string[] models)
    {
        var server = new OllamaDouble();
        foreach (var model in models)
        {
            server.AddModel(model);
        }

        await server.StartServerAsync(port: 0);
        return server;
    }

    public void AddModel(string name, long size = 397_821_319) => _models[Normalize(name)] = size;

    public bool HasModel(string name) => _models.ContainsKey(Normalize(name));

    /// <summary>What <paramref name="name"/> can do (by its family, unless a test said otherwise).</summary>
    public OllamaModelCapabilities CapabilitiesOf(string name) => _capabilities.GetValueOrDefault(Normalize(name)) ?? OllamaModelCapabilities.Of(name);

    public void SetCapabilities(string name, OllamaModelCapabilities capabilities) => _capabilities[Normalize(name)] = capabilities;

    public IReadOnlyList<OllamaDoubleRequest> EmbedRequests() => [.. Requests.Where(r => r.Path == "/api/embed")];

    /// <summary>The next streaming request gets <paramref name="script"/> (first in, first out).</summary>
    public void Enqueue(OllamaDoubleScript script) => _scripts.Enqueue(script);

    public void ClearScripts()
    {
        _scripts.Clear();
        lock (_faultGate)
        {
            _faultsServed = 0;
        }
    }

    public IReadOnlyList<OllamaDoubleRequest> ChatRequests(bool streamingOnly = true) =>
        [.. Requests.Where(r => r.Path is "/api/chat" or "/api/generate" && (!streamingOnly || r.Streaming))];

    /// <summary>Stops listening: clients now get "connection refused", as when Ollama is down.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public Task RestartAsync() => _app is null ? StartServerAsync(_port) : Task.CompletedTask;

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartServerAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();

        app.MapGet("/", () => Results.Text("Ollama is running"));
        app.MapMethods("/", ["HEAD"], () => Results.Ok());
        app.MapGet("/api/version", () => Results.Json(new JsonObject { ["version"] = Version }));
        app.MapGet("/api/tags", Tags);
        app.MapGet("/api/ps", Running);
        app.MapPost("/api/show", ShowAsync);
        app.MapDelete("/api/delete", DeleteAsync);
        app.MapPost("/api/pull", PullAsync);
        app.MapPost("/api/chat", context => GenerateAsync(context, chat: true));
        app.MapPost("/api/generate", context => GenerateAsync(context, chat: false));
        app.MapPost("/api/embed", EmbedAsync);

        await app.StartAsync();
        var address = app.Urls.First();
        _port = new Uri(address).Port;
        _app = app;
    }

    private IResult Tags()
    {
        var models = new JsonArray();
        foreach (var (name, size) in _models)
        {
            models.Add(ModelEntry(name, size));
        }

        return Results.Json(new JsonObject { ["models"] = models });
    }

    /// <summary>Models <c>/api/ps</c> leaves out: pulled but not in memory (cold).</summary>
    public ConcurrentDictionary<string, bool> Unloaded { get; } = new(StringComparer.OrdinalIgnoreCase);

    private IResult Running()
    {
        var models = new JsonArray();
        foreach (var (name, _) in _models.Where(m => !Unloaded.ContainsKey(m.Key)))
        {
            var entry = ModelEntry(name, RunningSize);
            entry["expires_at"] = DateTimeOffset.UtcNow.AddYears(100).ToString("O", CultureInfo.InvariantCulture);
            entry["size_vram"] = RunningSizeVram;
            entry["context_length"] = 8192;
            models.Add(entry);
        }

        return Results.Json(new JsonObject { ["models"] = models });
    }

    private async Task ShowAsync(HttpContext context)
    {
        var name = (await Record(context)).Model ?? string.Empty;
        if (!HasModel(name))
        {
            await WriteError(context, StatusCodes.Status404NotFound, $"model '{name}' not found");
            return;
        }

        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["modelfile"] = $"FROM {name}",
            ["parameters"] = "stop \"<|im_end|>\"",
            ["template"] = "{{ .Prompt }}",
            ["details"] = Details(),
            ["model_info"] = new JsonObject { ["general.architecture"] = "qwen2" },
            ["capabilities"] = new JsonArray([.. CapabilitiesOf(name).Names().Select(c => (JsonNode)c)]),
            ["modified_at"] = "2026-11-01T00:00:00Z",
        });
    }

    private async Task DeleteAsync(HttpContext context)
    {
        var name = (await Record(context)).Model ?? string.Empty;
        context.Response.StatusCode = _models.TryRemove(Normalize(name), out _) ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
    }

    private async Task PullAsync(HttpContext context)
    {
        var name = (await Record(context)).Model ?? string.Empty;
        context.Response.ContentType = "application/x-ndjson";
        const long total = 397_821_319;
        await WriteLine(context, new JsonObject { ["status"] = "pulling manifest" });
        for (var step = 1; step <= PullSteps; step++)
        {
            await WriteLine(context, new JsonObject
            {
                ["status"] = "pulling 6f96e01a3f55",
                ["digest"] = "sha256:6f96e01a3f550ca08aea1e5725bb8d5a7eccc6f281c30417e9d380b8c46467bd",
                ["total"] = total,
                ["completed"] = total * step / PullSteps,
            });
        }

        await WriteLine(context, new JsonObject { ["status"] = "verifying sha256 digest" });
        await WriteLine(context, new JsonObject { ["status"] = "writing manifest" });
        AddModel(name, total);
        await WriteLine(context, new JsonObject { ["status"] = "success" });
    }

    private async Task GenerateAsync(HttpContext context, bool chat)
    {
        var request = await Record(context);
        var inFlight = Interlocked.Increment(ref _inFlight);
        UpdateMax(inFlight);
        var aborted = context.RequestAborted;
        aborted.Register(() => request.AbortedAt ??= DateTimeOffset.UtcNow);
        try
        {
            var model = request.Model ?? string.Empty;
            if (!HasModel(model))
            {
                await WriteError(context, StatusCodes.Status404NotFound, $"model \"{model}\" not found, try pulling it first");
                request.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (chat && request.Body is { } body && OllamaDoubleRules.ChatProblem(body, CapabilitiesOf(model)) is { } problem)
            {
                request.StatusCode = StatusCodes.Status400BadRequest;
                await WriteError(context, StatusCodes.Status400BadRequest, problem);
                return;
            }

            if (chat && request.Body is { } asked)
            {
                request.Prompt = OllamaPrompt.Read(asked, CapabilitiesOf(model).ContextLength);
                if (request.Prompt.Refused)
                {
                    request.StatusCode = StatusCodes.Status400BadRequest;
                    await WriteError(context, StatusCodes.Status400BadRequest, OllamaPrompt.InputTooLong);
                    return;
                }
            }

            var offered = request.OffersTools;
            if (!request.Streaming && !offered)
            {
                await WriteNonStreaming(context, chat, model, request.Prompt?.Tokens ?? 30);
                request.StatusCode = StatusCodes.Status200OK;
                return;
            }

            var script = _scripts.TryDequeue(out var queued) ? queued : DefaultScript;
            if (!request.Streaming)
            {
                await WriteWhole(context, model, script, offered, script.PromptEvalCount ?? request.Prompt?.Tokens ?? 0);
                request.StatusCode = StatusCodes.Status200OK;
                return;
            }
            if (script.Fault is OllamaFault.ServerBusy503 or OllamaFault.InternalError500 && TakeFault(script))
            {
                var busy = script.Fault == OllamaFault.ServerBusy503;
                request.StatusCode = busy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
                await WriteError(context, request.StatusCode, busy ? "server busy, please try again.  maximum pending requests exceeded" : "llama runner process has terminated: exit status 2");
                return;
            }

            request.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/x-ndjson";
            var maxTokens = request.Options is { } options && options.TryGetProperty("num_predict", out var predict) && predict.TryGetInt32(out var n) && n > 0 ? n : int.MaxValue;
            if (request.Prompt is { } prompt && !request.Shifts)
            {
                // runner.go: without shift, a reply that fills the window ends there (done_reason "length").
                maxTokens = Math.Min(maxTokens, Math.Max(0, CapabilitiesOf(model).ContextLength - prompt.Tokens));
            }
            var tokens = script.Tokens.Take(maxTokens).ToList();

            if (script.FirstTokenDelay > TimeSpan.Zero)
            {
                await Task.Delay(script.FirstTokenDelay, aborted);
            }

            // Ollama sends headers with its first line, after the model has loaded.
            for (var i = 0; i < tokens.Count; i++)
            {
                if (script.Fault != OllamaFault.None && i == script.FaultAfterTokens && await ApplyStreamFault(context, script.Fault))
                {
                    return;
                }

                if (i > 0 && script.TokenInterval > TimeSpan.Zero)
                {
                    await Task.Delay(script.TokenInterval, aborted);
                }

                if (script.Hold is { } hold && i == script.HoldAfterTokens)
                {
                    await hold.Task.WaitAsync(aborted);
                }

                await WriteLine(context, Chunk(chat, model, tokens[i]));
                request.TokensSent++;
            }

            if (script.Fault != OllamaFault.None && tokens.Count <= script.FaultAfterTokens && await ApplyStreamFault(context, script.Fault))
            {
                return;
            }

            if (offered && script.ToolCalls.Count > 0)
            {
                // Ollama streams each call whole, in a chunk of its own with empty content, before the final line.
                var calling = Chunk(chat, model, string.Empty);
                calling["message"]!["tool_calls"] = ToolCalls(script);
                await WriteLine(context, calling);
            }

            var final = Chunk(chat, model, string.Empty);
            final["done"] = true;
            final["done_reason"] = tokens.Count < script.Tokens.Count ? "length" : "stop";
            final["total_duration"] = 1_250_000_000L;
            final["load_duration"] = 12_000_000L;
            final["prompt_eval_count"] = script.PromptEvalCount ?? request.Prompt?.Tokens ?? 0;
            final["prompt_eval_duration"] = 40_000_000L;
            // Ollama counts the tokens of a tool call's JSON as output too.
            final["eval_count"] = tokens.Count + (offered ? script.ToolCalls.Count * 8 : 0);
            final["eval_duration"] = 900_000_000L;
            if (!chat)
            {
                final["context"] = new JsonArray(1, 2, 3);
            }

            await WriteLine(context, final);
            request.CompletedAt = DateTimeOffset.UtcNow;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            request.AbortedAt ??= DateTimeOffset.UtcNow;
        }
        catch (IOException)
        {
            request.AbortedAt ??= DateTimeOffset.UtcNow;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<bool> ApplyStreamFault(HttpContext context, OllamaFault fault)
    {
        switch (fault)
        {
            case OllamaFault.CutStream:
                await context.Response.Body.FlushAsync();
                context.Features.Get<IHttpRequestLifetimeFeature>()?.Abort();
                return true;
            case OllamaFault.Stall:
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                return true;
            case OllamaFault.ErrorInStream:
                await WriteLine(context, new JsonObject { ["error"] = "an error was encountered while running the model: unexpected EOF" });
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Serves one of the script's faults. Retries of the same call must meet the rest of them, then the tokens:
    /// so the script goes back to the head of the queue, without its fault once the faults are used up.
    /// </summary>
    private bool TakeFault(OllamaDoubleScript script)
    {
        lock (_faultGate)
        {
            _faultsServed++;
            var next = _faultsServed < script.FaultCount ? script : script with { Fault = OllamaFault.None };
            if (_faultsServed >= script.FaultCount)
            {
                _faultsServed = 0;
            }

            var pending = _scripts.ToArray();
            _scripts.Clear();
            _scripts.Enqueue(next);
            foreach (var queued in pending)
            {
                _scripts.Enqueue(queued);
            }

            return true;
        }
    }

    /// <summary>A non-streamed reply to a request that offered tools: the script's text and calls in one message (Ollama's shape with stream false).</summary>
    private static async Task WriteWhole(HttpContext context, string model, OllamaDoubleScript script, bool offered, int promptTokens)
    {
        var reply = Chunk(true, model, string.Concat(script.Tokens));
        if (offered && script.ToolCalls.Count > 0)
        {
            reply["message"]!["tool_calls"] = ToolCalls(script);
        }

        reply["done"] = true;
        reply["done_reason"] = "stop";
        reply["total_duration"] = 250_000_000L;
        reply["prompt_eval_count"] = promptTokens;
        reply["eval_count"] = script.Tokens.Count + (script.ToolCalls.Count * 8);
        reply["eval_duration"] = 100_000_000L;
        await context.Response.WriteAsJsonAsync(reply);
    }

    /// <summary>Ollama's <c>tool_calls</c>: <c>[{"function":{"name":...,"arguments":{...}}}]</c>, arguments an object (docs/api.md, "Chat request (with tools)").</summary>
    private static JsonArray ToolCalls(OllamaDoubleScript script) =>
        [.. script.ToolCalls.Select(call => (JsonNode)new JsonObject
        {
            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = JsonNode.Parse(call.ArgumentsJson) },
        })];

    /// <summary>
    /// <c>/api/embed</c>: one vector per input, of the model's length, normalised. A text's vector is the sum of its
    /// words' hashed directions, so texts that share words are closer than texts that share none.
    /// </summary>
    private async Task EmbedAsync(HttpContext context)
    {
        var request = await Record(context);
        var model = request.Model ?? string.Empty;
        if (!HasModel(model))
        {
            request.StatusCode = StatusCodes.Status404NotFound;
            await WriteError(context, StatusCodes.Status404NotFound, $"model \"{model}\" not found, try pulling it first");
            return;
        }

        var capabilities = CapabilitiesOf(model);
        if (OllamaDoubleRules.EmbedProblem(request.Body ?? default, capabilities, out var inputs) is { } problem)
        {
            request.StatusCode = StatusCodes.Status400BadRequest;
            await WriteError(context, StatusCodes.Status400BadRequest, problem);
            return;
        }

        if (EmbedGate is { } gate)
        {
            Interlocked.Increment(ref _embedCallsWaiting);
            try
            {
                await gate.Task.WaitAsync(context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _embedCallsWaiting);
            }
        }

        var delay = DefaultScript.FirstTokenDelay + (EmbedTimePerInput * inputs.Count);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        var dimensions = capabilities.Dimensions ?? 4096;
        var embeddings = new JsonArray([.. inputs.Select(text => (JsonNode)new JsonArray([.. Vector(text, dimensions).Select(v => (JsonNode)v)]))]);
        request.StatusCode = StatusCodes.Status200OK;
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["model"] = model,
            ["embeddings"] = embeddings,
            ["total_duration"] = 14_143_917L,
            ["load_duration"] = 1_019_500L,
            ["prompt_eval_count"] = inputs.Sum(OllamaModelCapabilities.Tokens),
        });
        request.CompletedAt = DateTimeOffset.UtcNow;
    }

    public static float[] Vector(string text, int dimensions)
    {
        var vector = new float[dimensions];
        foreach (var word in text.ToLowerInvariant().Split([' ', '.', ',', '\n', '?', '!'], StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = (uint)word.Aggregate(17, (h, c) => unchecked((h * 31) + c));
            vector[hash % (uint)dimensions] += (hash & 0x80000000) == 0 ? 1 : -1;
        }

        var length = MathF.Sqrt(vector.Sum(v => v * v));
        return length == 0 ? vector : [.. vector.Select(v => v / length)];
    }

    private async Task WriteNonStreaming(HttpContext context, bool chat, string model, int promptTokens)
    {
        var reply = Chunk(chat, model, NonStreamingReply);
        reply["done"] = true;
        reply["done_reason"] = "stop";
        reply["total_duration"] = 250_000_000L;
        reply["prompt_eval_count"] = promptTokens;
        reply["eval_count"] = 5;
        reply["eval_duration"] = 100_000_000L;
        await context.Response.WriteAsJsonAsync(reply);
    }

    private static JsonObject Chunk(bool chat, string model, string text)
    {
        var chunk = new JsonObject
        {
            ["model"] = model,
            ["created_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        if (chat)
        {
            chunk["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text };
        }
        else
        {
            chunk["response"] = text;
        }

        chunk["done"] = false;
        return chunk;
    }

    private static JsonObject ModelEntry(string name, long size) => new()
    {
        ["name"] = name,
        ["model"] = name,
        ["modified_at"] = "2026-11-01T00:00:00Z",
        ["size"] = size,
        ["digest"] = "6f96e01a3f550ca08aea1e5725bb8d5a7eccc6f281c30417e9d380b8c46467bd",
        ["details"] = Details(),
    };

    private static JsonObject Details() => new()
    {
        ["parent_model"] = string.Empty,
        ["format"] = "gguf",
        ["family"] = "qwen2",
        ["families"] = new JsonArray("qwen2"),
        ["parameter_size"] = "494.03M",
        ["quantization_level"] = "Q4_K_M",
    };

    private static async Task WriteLine(HttpContext context, JsonNode line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString(Json) + "\n");
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteError(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = message });
    }

    private async Task<OllamaDoubleRequest> Record(HttpContext context)
    {
        JsonElement? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            body = document.RootElement.Clone();
        }

        var request = new OllamaDoubleRequest(context.Request.Method, context.Request.Path, body, DateTimeOffset.UtcNow, context.Request.Headers["traceparent"].FirstOrDefault());
        _requests.Add(request);
        return request;
    }

    private void UpdateMax(int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, value, current) != current)
        {
        }
    }

    private static string Normalize(string name) => name.Contains(':', StringComparison.Ordinal) ? name : name + ":latest";
}
