namespace Api.Conversations;

/// <summary>The conversation was deleted (or never existed) when a write reached it: nothing was written.</summary>
public sealed class ConversationDeletedException(string conversationId)
    : Exception($"Conversation {conversationId} was deleted.")
{
    public string ConversationId { get; } = conversationId;
}

/// <summary>The turn would take the conversation past its message limit, checked in the same write as the turn.</summary>
public sealed class ConversationFullException(string conversationId, int limit)
    : Exception($"Conversation {conversationId} has reached its limit of {limit} messages.")
{
    public int Limit { get; } = limit;
}

/// <summary>Other writes to the same conversation kept winning the race, attempt after attempt.</summary>
public sealed class ConversationBusyException(string conversationId)
    : Exception($"Conversation {conversationId} is being changed by other requests.");

/// <summary>A continuation token that this API did not issue.</summary>
public sealed class InvalidContinuationTokenException() : Exception("The continuation token is not valid.");
