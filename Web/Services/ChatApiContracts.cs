using System.Text.Json;

namespace Web.Services;

// The chat API's contract (docs/api.md), as the front end reads it.

public sealed record StatusDto(string Llm, string? Reason, string? Model, DateTimeOffset CheckedAt);

/// <summary>One model the user may use, with its live state (the API's <c>GET /api/models</c>).</summary>
public sealed record ModelDto(string Name, string Tag, string Kind, bool IsDefault, bool Tools, string? Description, bool Reachable, bool Loaded, string? Processor,
    long? SizeVramBytes, DateTimeOffset? ExpiresAt, string? Fallback, QueueDto Queue)
{
    public bool IsChat => Kind == "chat";
}

/// <summary>A model's admission queue now: replies running, requests waiting, how many run at once, the expected wait.</summary>
public sealed record QueueDto(int InFlight, int Queued, int Capacity, double? ExpectedWaitSeconds);

public sealed record ModelsDto(IReadOnlyList<ModelDto> Models, string? Error);

/// <summary>A group's daily budget, shared with its other members.</summary>
public sealed record GroupBudgetDto(string Group, int DailyTokens);

/// <summary>The user's own day and limits (the API's <c>GET /api/usage/me</c>).</summary>
public sealed record MyUsageDto(DateOnly Day, long Requests, long PromptTokens, long OutputTokens, int OutputTokensPerDay, long OutputTokensLeft,
    int RequestsPerMinute, int ConcurrentStreams, DateTimeOffset ResetsAt, IReadOnlyList<GroupBudgetDto> GroupBudgets, IReadOnlyList<string>? AdminRoles);

public sealed record ConversationSummaryDto(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int MessageCount);

public sealed record ConversationPageDto(IReadOnlyList<ConversationSummaryDto> Items, string? ContinuationToken);

public sealed record MessageDto(
    string Id,
    string Role,
    string Content,
    string Status,
    DateTimeOffset CreatedAt,
    string? Model,
    int? PromptTokens,
    int? CompletionTokens,
    double? TimeToFirstTokenMs,
    double? TokensPerSecond,
    bool Fallback);

public sealed record ConversationDetailDto(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int MessageCount, IReadOnlyList<MessageDto> Messages);

public sealed record UsageDto(int? PromptTokens, int? CompletionTokens);

public sealed record TimingsDto(double? TimeToFirstTokenMs, double? TokensPerSecond, double TotalMs);

public sealed record DoneDto(string ConversationId, string MessageId, string Status, string Model, bool Fallback, UsageDto Usage, TimingsDto Timings, string? Title, bool Flagged);

/// <summary>A ProblemDetails body from the API.</summary>
public sealed record ProblemDto(int? Status, string? Title, string? Detail, string? Code, int? RetryAfterSeconds, string? MessageId, bool? Partial)
{
    public static ProblemDto? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return new ProblemDto(
                Int(root, "status"), String(root, "title"), String(root, "detail"), String(root, "code"),
                Int(root, "retryAfterSeconds"), String(root, "messageId"),
                root.TryGetProperty("partial", out var partial) && partial.ValueKind is JsonValueKind.True or JsonValueKind.False ? partial.GetBoolean() : null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? String(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : null;
}

/// <summary>One event of a streamed reply.</summary>
public abstract record ChatStreamEvent
{
    public sealed record Delta(string Text) : ChatStreamEvent;

    public sealed record Done(DoneDto Payload) : ChatStreamEvent;

    public sealed record Failed(ChatApiError Error) : ChatStreamEvent;
}

/// <summary>
/// A personal API key as the API lists it (never the key itself), with the app roles and groups it acts with now: its
/// owner's as of their last sign-in (null: not recorded since the key was made, it acts with what it was made with).
/// </summary>
public sealed record ApiKeyDto(string Id, string Name, string Hint, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt)
{
    public IReadOnlyList<string>? Roles { get; init; }

    public IReadOnlyList<string>? Groups { get; init; }
}

/// <summary>A key just created: <see cref="Key"/> is shown this once.</summary>
public sealed record CreatedApiKeyDto(ApiKeyDto Info, string Key);
