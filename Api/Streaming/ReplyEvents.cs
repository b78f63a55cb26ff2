using Api.Errors;

namespace Api.Streaming;

/// <summary>The <c>delta</c> event: the next piece of the reply.</summary>
public sealed record DeltaEvent(string Text);

/// <summary>Token counts of a reply (as Ollama reports them).</summary>
public sealed record UsageDto(int? PromptTokens, int? CompletionTokens);

/// <summary>Timings of a reply.</summary>
public sealed record TimingsDto(double? TimeToFirstTokenMs, double? TokensPerSecond, double TotalMs);

/// <summary>The <c>done</c> event, and the body of a non-streaming reply.</summary>
public sealed record DoneEvent(
    string ConversationId,
    string MessageId,
    string Status,
    string Model,
    bool Fallback,
    UsageDto Usage,
    TimingsDto Timings,
    string? Title,
    bool Flagged = false,
    string? Content = null);

/// <summary>What a reply produces while it streams: text, then its end (<c>done</c>) or an <c>error</c>.</summary>
public abstract record ChatEvent
{
    public sealed record Delta(string Text) : ChatEvent;

    public sealed record Done(DoneEvent Payload) : ChatEvent;

    public sealed record Error(ApiError Problem) : ChatEvent;
}
