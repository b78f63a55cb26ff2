namespace Api.Safety;

/// <summary>
/// Security events, on the logger category <c>LlmChat.Security</c>, with the user id and no prompt text unless
/// <c>Safety:LogPromptText</c> is on. Alerting can key on the event ids.
/// </summary>
public static partial class SecurityEvents
{
    public const string Category = "LlmChat.Security";

    [LoggerMessage(EventId = 4001, EventName = "PromptInjectionDetected", Level = LogLevel.Warning,
        Message = "Prompt injection {Action} for user {UserId} in {Where}: {Matches} (from {Address}, {Path})")]
    public static partial void PromptInjectionDetected(ILogger logger, string action, string userId, string where, string matches, string? address, string path);

    [LoggerMessage(EventId = 4002, EventName = "InvisibleCharactersRemoved", Level = LogLevel.Information,
        Message = "Removed {Count} invisible or control characters from input of user {UserId} in {Where} (from {Address}, {Path})")]
    public static partial void InvisibleCharactersRemoved(ILogger logger, int count, string userId, string where, string? address, string path);

    [LoggerMessage(EventId = 4003, EventName = "OutputLeakBlocked", Level = LogLevel.Warning,
        Message = "Reply cut for user {UserId} in conversation {ConversationId}: {Kind}")]
    public static partial void OutputLeakBlocked(ILogger logger, string userId, string conversationId, LeakKind kind);

    [LoggerMessage(EventId = 4004, EventName = "FlaggedPromptText", Level = LogLevel.Warning,
        Message = "Flagged prompt text of user {UserId}: {PromptText}")]
    public static partial void FlaggedPromptText(ILogger logger, string userId, string promptText);

    [LoggerMessage(EventId = 4010, EventName = "ApiKeyCreated", Level = LogLevel.Information,
        Message = "API key {KeyId} ({Name}) created by user {UserId}, expiring {ExpiresAt}")]
    public static partial void ApiKeyCreated(ILogger logger, string keyId, string name, string userId, DateTimeOffset? expiresAt);

    [LoggerMessage(EventId = 4011, EventName = "ApiKeyRevoked", Level = LogLevel.Information,
        Message = "API key {KeyId} revoked by user {UserId}")]
    public static partial void ApiKeyRevoked(ILogger logger, string keyId, string userId);

    [LoggerMessage(EventId = 4012, EventName = "ApiKeyRefused", Level = LogLevel.Warning,
        Message = "A request with an unknown, revoked or expired API key ({Hint}) was refused")]
    public static partial void ApiKeyRefused(ILogger logger, string hint);
}
