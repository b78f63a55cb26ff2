namespace Api.Conversations;

public sealed record CreateConversationRequest(string? Title);

public sealed record RenameConversationRequest(string? Title);

public sealed record ConversationSummaryDto(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int MessageCount)
{
    public static ConversationSummaryDto From(Conversation conversation) =>
        new(conversation.Id, conversation.Title, conversation.CreatedAt, conversation.UpdatedAt, conversation.MessageCount);
}

public sealed record ConversationPageDto(IReadOnlyList<ConversationSummaryDto> Items, string? ContinuationToken);

public sealed record MessageDto(
    string Id,
    string Role,
    string Content,
    MessageStatus Status,
    DateTimeOffset CreatedAt,
    string? Model,
    int? PromptTokens,
    int? CompletionTokens,
    double? TimeToFirstTokenMs,
    double? TokensPerSecond,
    bool Fallback)
{
    public static MessageDto From(StoredMessage message) => new(
        message.Id, message.Role, message.Content, message.Status, message.CreatedAt, message.Model,
        message.PromptTokens, message.CompletionTokens, message.TimeToFirstTokenMs, message.TokensPerSecond, message.Fallback);
}

public sealed record ConversationDetailDto(
    string Id,
    string Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int MessageCount,
    IReadOnlyList<MessageDto> Messages);
