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

    [LoggerMessage(EventId = 4012, EventName = "AuthenticationFailed", Level = LogLevel.Warning,
        Message = "Authentication refused ({Kind}) from {Address}, {Path}; further failures from this address in the minute are counted, not logged")]
    public static partial void AuthenticationFailed(ILogger logger, string kind, string address, string path);

    [LoggerMessage(EventId = 4013, EventName = "AuthenticationLimited", Level = LogLevel.Warning,
        Message = "{Count} failed authentications from {Address} within {WindowSeconds} s: its further failures are answered 429 for the rest of the minute")]
    public static partial void AuthenticationLimited(ILogger logger, string address, int count, int windowSeconds);

    [LoggerMessage(EventId = 4014, EventName = "AuthenticationFailuresSummary", Level = LogLevel.Warning,
        Message = "{Count} failed authentications from {Address} in {WindowSeconds} s")]
    public static partial void AuthenticationFailuresSummary(ILogger logger, string address, int count, int windowSeconds);

    [LoggerMessage(EventId = 4015, EventName = "ApiKeyOnKeyRoutes", Level = LogLevel.Warning,
        Message = "API key {KeyId} of user {UserId} tried to manage keys (from {Address}, {Path}): refused")]
    public static partial void ApiKeyOnKeyRoutes(ILogger logger, string keyId, string userId, string? address, string path);

    [LoggerMessage(EventId = 4016, EventName = "AccessForbidden", Level = LogLevel.Warning,
        Message = "User {UserId}, signed in by {Scheme}, was refused {Path} (from {Address}): {Reason}")]
    public static partial void AccessForbidden(ILogger logger, string userId, string scheme, string path, string? address, string reason);
}
