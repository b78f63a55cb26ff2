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
