namespace Api.Conversations;

/// <summary>Told when a user deletes a conversation, before it is deleted (its running reply is cancelled: it would write to nothing).</summary>
public interface IConversationDeletedListener
{
    Task DeletingAsync(string userKey, string conversationId);
}
