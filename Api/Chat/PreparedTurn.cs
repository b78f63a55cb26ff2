using Api.Auth;
using Api.Conversations;
using Api.Llm;
using Api.ModelCalls;

namespace Api.Chat;

/// <summary>
/// An admitted chat turn: the model run (its slots, its usage reservation) and what its context read (the conversation,
/// its history, the new message or the reply to redo). Disposing it settles the usage and frees the slots.
/// </summary>
public sealed class PreparedTurn(ModelRun run, ChatContext context, DateTimeOffset startedAt) : IAsyncDisposable
{
    public ModelRun Run { get; } = run;

    public CurrentUser User => Run.Call.User;

    public Conversation Conversation { get; } = context.Conversation!;

    /// <summary>The new user message, as cleaned; null when regenerating.</summary>
    public string? UserMessage { get; } = context.UserMessage;

    public LlmRequest Request => Run.Request;

    public StoredMessage? ReplacedAssistant { get; } = context.Replaced;

    /// <summary>The conversation has no final title yet, and this turn sends a user message to name it by.</summary>
    public bool NeedsTitle => UserMessage is not null && !Conversation.TitleGenerated;

    public bool InjectionFlagged => Run.InjectionFlagged;

    /// <summary>Every message of the conversation before this turn, as read (or held warm) for its context.</summary>
    public IReadOnlyList<StoredMessage> History { get; } = context.History;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public LlmLease Lease => Run.Lease;

    /// <summary>Why the reply was stopped before its end (cancelled by its user, nobody read it, its conversation deleted).</summary>
    public string? StopReason { get; set; }

    public ValueTask DisposeAsync() => Run.DisposeAsync();
}
