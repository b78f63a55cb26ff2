namespace Api.Conversations;

/// <summary>The conversation is gone (deleted while a turn was running).</summary>
public sealed class ConversationNotFoundException(string conversationId)
    : Exception($"Conversation {conversationId} does not exist.")
{
    public string ConversationId { get; } = conversationId;
}

/// <summary>A continuation token that this API did not issue.</summary>
public sealed class InvalidContinuationTokenException() : Exception("The continuation token is not valid.");
