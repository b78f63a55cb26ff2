using System.Text.Json;

namespace Tests.TestDoubles.Ollama;

/// <summary>A request the double received, and how it ended.</summary>
public sealed class OllamaDoubleRequest(string method, string path, JsonElement? body, DateTimeOffset receivedAt, string? traceParent = null)
{
    /// <summary>The W3C <c>traceparent</c> header: proof that the caller's trace reached Ollama.</summary>
    public string? TraceParent { get; } = traceParent;

    public string Method { get; } = method;

    public string Path { get; } = path;

    public JsonElement? Body { get; } = body;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    /// <summary>Set when the client closed the connection before the double finished answering.</summary>
    public DateTimeOffset? AbortedAt { get; internal set; }

    public DateTimeOffset? CompletedAt { get; internal set; }

    public int TokensSent { get; internal set; }

    public int StatusCode { get; internal set; }

    public string? Model => Body is { } b && b.TryGetProperty("model", out var m) ? m.GetString() : null;

    public bool Streaming => Body is not { } b || !b.TryGetProperty("stream", out var s) || s.ValueKind != JsonValueKind.False;

    public IReadOnlyList<(string Role, string Content)> Messages =>
        Body is { } b && b.TryGetProperty("messages", out var messages)
            ? [.. messages.EnumerateArray().Select(m => (m.GetProperty("role").GetString() ?? string.Empty, m.TryGetProperty("content", out var c) ? c.GetString() ?? string.Empty : string.Empty))]
            : [];

    /// <summary>The request sent a non-empty <c>tools</c> list.</summary>
    public bool OffersTools => Body is { } b && b.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0;

    public IReadOnlyList<string> ToolNames => Body is { } b && b.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array
        ? [.. t.EnumerateArray().Select(tool => tool.GetProperty("function").GetProperty("name").GetString()!)]
        : [];

    /// <summary>What the model read of a chat request (its tokens, text, and what was cut to fit the window).</summary>
    public OllamaPromptRead? Prompt { get; internal set; }

    /// <summary>Whether the request lets Ollama shift the context when the reply fills the window (<c>shift</c> absent or true).</summary>
    public bool Shifts => Body is not { } b || !b.TryGetProperty("shift", out var s) || s.ValueKind != JsonValueKind.False;

    public JsonElement? Options => Body is { } b && b.TryGetProperty("options", out var o) ? o : null;
}
