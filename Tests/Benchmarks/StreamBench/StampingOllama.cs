using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StreamBench;

/// <summary>
/// A fast Ollama double for the benchmark (Ollama's wire protocol: NDJSON <c>/api/chat</c>, plus the routes the API
/// probes). Every token is <c>«timestamp» </c>: the machine-wide monotonic clock when it was written, so a client can
/// tell how long the token took to reach it through each peer. Tokens come at a fixed cadence.
/// </summary>
public sealed class StampingOllama : IAsyncDisposable
{
    public const string Model = "bench:latest";

    /// <summary>
    /// The API's id for this model: an API started with one connection string and no catalogue serves one model, named
    /// after its connection (Api/Llm/LlmOptions.SoleModelName). <c>/v1</c> asks for it by this id, not by Ollama's tag.
    /// </summary>
    public const string ApiModelId = "chat";

    private readonly WebApplication _app;

    private StampingOllama(WebApplication app) => _app = app;

    public int Tokens { get; set; } = 45;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1.0 / 30);

    /// <summary>How long the model works before its first token (a real model reads the prompt first: tens of ms).</summary>
    public TimeSpan FirstToken { get; set; }

    public Uri Endpoint => new(_app.Urls.First());

    public static async Task<StampingOllama> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        var app = builder.Build();
        var ollama = new StampingOllama(app);
        app.MapGet("/", () => "Ollama is running");
        app.MapMethods("/", ["HEAD"], () => Results.Ok());
        app.MapGet("/api/version", () => Results.Json(new { version = "0.17.1" }));
        app.MapGet("/api/tags", () => Results.Json(new { models = new[] { Entry() } }));
        app.MapGet("/api/ps", () => Results.Json(new { models = new[] { Entry() with { } } }));
        app.MapPost("/api/show", () => Results.Json(new { modelfile = "", parameters = "", template = "", details = Details() }));
        app.MapPost("/api/chat", ollama.ChatAsync);
        app.MapPost("/api/embed", ollama.EmbedAsync);
        await app.StartAsync();
        return ollama;
    }

    private async Task ChatAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var stream = !body.RootElement.TryGetProperty("stream", out var s) || s.ValueKind != JsonValueKind.False;
        context.Response.ContentType = "application/x-ndjson";
        if (!stream)
        {
            await context.Response.WriteAsync(Line("a title", done: true), context.RequestAborted);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            if (FirstToken > TimeSpan.Zero)
            {
                await Task.Delay(FirstToken, context.RequestAborted);
                started = Stopwatch.GetTimestamp();
            }

            for (var i = 0; i < Tokens; i++)
            {
                var due = started + (long)(Interval.TotalSeconds * Stopwatch.Frequency * i);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, context.RequestAborted);
                }

                await context.Response.WriteAsync(Line($"«{Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture)}» ", done: false), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            await context.Response.WriteAsync(Line(string.Empty, done: true), context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>The vector every input gets from <c>/api/embed</c>: <see cref="Dimensions"/> floats, written once.</summary>
    private readonly Lazy<string> _vector = new(() => "[" + string.Join(',', Enumerable.Range(0, Dimensions).Select(i => (Math.Sin(i) / 28).ToString("F6", CultureInfo.InvariantCulture))) + "]");

    public const int Dimensions = 768;

    /// <summary>What an embedding model takes per input (a GPU embeds a short text in a few ms).</summary>
    public TimeSpan EmbedPerInput { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Embeddings made, across every call.</summary>
    public long Embedded => Interlocked.Read(ref _embedded);

    /// <summary><c>/api/embed</c> calls received, across every call.</summary>
    public long EmbedCalls => Interlocked.Read(ref _embedCalls);

    /// <summary>The most inputs the server was embedding at once since <see cref="ResetEmbedPeak"/>.</summary>
    public int EmbedInputsPeak => Volatile.Read(ref _inputsPeak);

    public void ResetEmbedPeak() => Volatile.Write(ref _inputsPeak, Volatile.Read(ref _inputsNow));

    private long _embedded;
    private long _embedCalls;
    private int _inputsNow;
    private int _inputsPeak;

    /// <summary>Ollama's <c>/api/embed</c>: one vector per input after the model's time for them, and the tokens read.</summary>
    private async Task EmbedAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var input = body.RootElement.GetProperty("input");
        var count = input.ValueKind == JsonValueKind.Array ? input.GetArrayLength() : 1;
        Interlocked.Increment(ref _embedCalls);
        var now = Interlocked.Add(ref _inputsNow, count);
        for (var peak = Volatile.Read(ref _inputsPeak); now > peak && Interlocked.CompareExchange(ref _inputsPeak, now, peak) != peak; peak = Volatile.Read(ref _inputsPeak))
        {
        }

        try
        {
            await Task.Delay(EmbedPerInput * count, context.RequestAborted);
        }
        finally
        {
            Interlocked.Add(ref _inputsNow, -count);
        }

        var text = new StringBuilder((count * (_vector.Value.Length + 1)) + 128).Append("{\"model\":\"").Append(Model).Append("\",\"embeddings\":[");
        for (var i = 0; i < count; i++)
        {
            text.Append(i == 0 ? string.Empty : ",").Append(_vector.Value);
        }

        text.Append("],\"prompt_eval_count\":").Append((count * 8).ToString(CultureInfo.InvariantCulture)).Append('}');
        Interlocked.Add(ref _embedded, count);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }

    private string Line(string content, bool done)
    {
        var text = new StringBuilder(160)
            .Append("{\"model\":\"").Append(Model).Append("\",\"created_at\":\"2026-11-26T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"")
            .Append(content).Append("\"},\"done\":").Append(done ? "true" : "false");
        if (done)
        {
            text.Append(",\"done_reason\":\"stop\",\"prompt_eval_count\":12,\"eval_count\":").Append(Tokens.ToString(CultureInfo.InvariantCulture));
        }

        return text.Append("}\n").ToString();
    }

    private static ModelEntry Entry() => new(Model, Model, 400_000_000, 400_000_000, "2126-01-01T00:00:00Z", Details());

    private static object Details() => new { format = "gguf", family = "bench", parameter_size = "0.5B", quantization_level = "Q4_K_M" };

    private sealed record ModelEntry(string name, string model, long size, long size_vram, string expires_at, object details);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
