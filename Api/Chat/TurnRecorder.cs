using Api.Conversations;
using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>How the one write of a turn went.</summary>
public enum TurnRecordStatus
{
    /// <summary>Written.</summary>
    Saved,

    /// <summary>The store was unreachable: the turn waits in the outbox and is written when the store is back.</summary>
    Deferred,

    /// <summary>The store was unreachable and the outbox is full: the turn is lost.</summary>
    Failed,

    /// <summary>The conversation was deleted meanwhile: nothing was written, and nothing will be.</summary>
    Deleted,

    /// <summary>The conversation reached its message limit meanwhile (another turn won): nothing was written.</summary>
    Full,
}

/// <summary>The result of recording a turn: its status, and the conversation as saved when it was.</summary>
public sealed record TurnRecord(TurnRecordStatus Status, Conversation? Saved = null);

/// <summary>
/// The one write of a turn, whatever way its reply ended, bounded in time on its own (the client may be gone). A store
/// that cannot take it sends it to the outbox; a conversation deleted or filled meanwhile takes nothing.
/// </summary>
public sealed class TurnRecorder(ConversationStore store, TurnOutbox outbox, IOptions<TurnPersistenceOptions> options, TimeProvider time, ILogger<TurnRecorder> logger)
{
    public async Task<TurnRecord> RecordAsync(string userKey, Conversation conversation, TurnWrite write)
    {
        using var timeout = new CancellationTokenSource(options.Value.WriteTimeout);
        try
        {
            return new TurnRecord(TurnRecordStatus.Saved, await store.AppendTurnAsync(userKey, conversation, write, timeout.Token));
        }
        catch (ConversationDeletedException)
        {
            return new TurnRecord(TurnRecordStatus.Deleted);
        }
        catch (ConversationFullException)
        {
            return new TurnRecord(TurnRecordStatus.Full);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex) || ex is OperationCanceledException or ConversationBusyException)
        {
            if (outbox.TryDefer(new PendingTurn(userKey, conversation, write, time.GetUtcNow())))
            {
                logger.LogWarning("The turn in conversation {ConversationId} could not be saved now ({Reason}); it waits in the outbox.", conversation.Id, ex.GetBaseException().Message);
                return new TurnRecord(TurnRecordStatus.Deferred);
            }

            logger.LogError(ex, "The turn in conversation {ConversationId} could not be saved and the outbox is full.", conversation.Id);
            return new TurnRecord(TurnRecordStatus.Failed);
        }
    }
}
