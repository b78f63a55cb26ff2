using Api.Auth;
using Api.Conversations;
using Api.Llm;

namespace Api.Chat;

/// <summary>
/// A turn that passed every check and holds its slots: a stream slot of the user's and a slot on a model backend.
/// Disposing it frees both; the turn service does that when the reply has been saved.
/// </summary>
public sealed class PreparedTurn(
    CurrentUser user,
    Conversation conversation,
    string? userMessage,
    LlmRequest request,
    StoredMessage? replacedAssistant,
    bool needsTitle,
    bool injectionFlagged,
    DateTimeOffset startedAt,
    LlmLease lease,
    IDisposable streamSlot) : IDisposable
{
    private int _disposed;

    public CurrentUser User { get; } = user;

    public Conversation Conversation { get; } = conversation;

    public string? UserMessage { get; } = userMessage;

    public LlmRequest Request { get; } = request;

    public StoredMessage? ReplacedAssistant { get; } = replacedAssistant;

    /// <summary>The conversation has no final title yet, and this turn sends a user message to name it by.</summary>
    public bool NeedsTitle { get; } = needsTitle;

    public bool InjectionFlagged { get; } = injectionFlagged;

    /// <summary>The day's usage as read before the turn: the turn's write adds to it without reading it again.</summary>
    public DailyUsage? Usage { get; init; }

    /// <summary>Every message of the conversation before this turn, as read (or held warm) for its context.</summary>
    public IReadOnlyList<StoredMessage> History { get; init; } = [];

    public DateTimeOffset StartedAt { get; } = startedAt;

    public LlmLease Lease { get; } = lease;

    /// <summary>Why the reply was stopped before its end (cancelled by its user, or nobody read it), when it was.</summary>
    public string? StopReason { get; set; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Lease.Dispose();
            streamSlot.Dispose();
        }
    }
}
