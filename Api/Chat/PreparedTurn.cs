using Api.Auth;
using Api.Conversations;
using Api.Llm;

namespace Api.Chat;

/// <summary>A turn that passed every check and is ready to stream.</summary>
public sealed record PreparedTurn(
    CurrentUser User,
    Conversation Conversation,
    string? UserMessage,
    LlmRequest Request,
    StoredMessage? ReplacedAssistant,
    bool IsFirstExchange,
    DateTimeOffset StartedAt);
