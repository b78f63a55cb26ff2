using System.Text.Json.Serialization;

namespace Api.Conversations;

/// <summary>How a stored reply ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageStatus>))]
public enum MessageStatus
{
    /// <summary>The model finished.</summary>
    [JsonStringEnumMemberName("complete")] Complete,

    /// <summary>Cut short: the client left, the stream broke, or a guard stopped it. The partial text is kept.</summary>
    [JsonStringEnumMemberName("incomplete")] Incomplete,

    /// <summary>No usable reply.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Message roles as stored and returned.</summary>
public static class MessageRoles
{
    public const string User = "user";
    public const string Assistant = "assistant";
}

/// <summary>
/// A conversation as the store knows it; <see cref="ETag"/> guards concurrent turns. <see cref="Version"/> counts the
/// row's writes (each one is made under the ETag read, so each adds one): the shared store keeps the highest one
/// written, and a replica's snapshot at that version is the stored conversation (<see cref="ConversationVersions"/>).
/// </summary>
public sealed record Conversation(
    string Id,
    string Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int MessageCount,
    int NextSequence,
    bool TitleGenerated,
    string IndexRowKey,
    string ETag,
    long Version = 0);

/// <summary>A stored message with its reply metrics (assistant messages only).</summary>
public sealed record StoredMessage(
    string Id,
    int Sequence,
    string Role,
    string Content,
    MessageStatus Status,
    DateTimeOffset CreatedAt,
    string? Model = null,
    int? PromptTokens = null,
    int? CompletionTokens = null,
    double? TimeToFirstTokenMs = null,
    double? TokensPerSecond = null,
    bool Fallback = false,
    string? Error = null,
    bool InjectionFlagged = false);

/// <summary>One page of a user's conversations, newest activity first.</summary>
public sealed record ConversationPageResult(IReadOnlyList<Conversation> Items, string? ContinuationToken);

/// <summary>
/// What one turn writes, in one batch: the user message (none when regenerating), the assistant message, and the title
/// when the turn made one (its tokens are the usage ledger's, settled apart). A title marked final (made by the model) is never replaced; a provisional one (the first words, after a failed
/// first reply) gives way to the model's title after the next complete reply.
/// </summary>
public sealed record TurnWrite(StoredMessage? UserMessage, StoredMessage AssistantMessage, bool ReplacesLastAssistant, string? Title, bool TitleIsFinal);
