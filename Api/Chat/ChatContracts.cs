using Microsoft.AspNetCore.Mvc;

namespace Api.Chat;

/// <summary>The body of <c>POST /api/conversations/{id}/messages</c>.</summary>
/// <param name="Content">The user's message.</param>
/// <param name="Stream">Server-Sent Events (default) or one JSON reply.</param>
/// <param name="Temperature">Sampling temperature, capped by the server.</param>
/// <param name="MaxOutputTokens">Reply length cap, capped by the server.</param>
/// <param name="Model">One of the configured models (<c>GET /api/models</c>); the default model when omitted.</param>
public sealed record SendMessageRequest(string? Content, bool? Stream = null, double? Temperature = null, int? MaxOutputTokens = null, string? Model = null);

/// <summary>The body of <c>POST /api/conversations/{id}/regenerate</c>.</summary>
public sealed record RegenerateRequest(bool? Stream = null, double? Temperature = null, int? MaxOutputTokens = null, string? Model = null);

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

/// <summary>What the turn service produces while a reply streams.</summary>
public abstract record ChatEvent
{
    public sealed record Delta(string Text) : ChatEvent;

    public sealed record Done(DoneEvent Payload) : ChatEvent;

    public sealed record Error(ProblemDetails Problem, TimeSpan? RetryAfter) : ChatEvent;
}
