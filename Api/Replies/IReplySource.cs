using Api.Streaming;

namespace Api.Replies;

/// <summary>A reply to generate apart from the request that asked for it (a chat turn): whose, in which conversation, and its events.</summary>
public interface IReplySource
{
    string User { get; }

    string ConversationId { get; }

    /// <summary>Why the reply was stopped before its end, when it was (set once, by the first to stop it).</summary>
    string? StopReason { get; set; }

    IAsyncEnumerable<ChatEvent> StreamAsync(CancellationToken cancellation);
}
