using Api.Errors;
using Api.Infrastructure;

namespace Api.Chat;

/// <summary>The last event of a stream whose turn was not saved; null when it was.</summary>
internal static class TurnNotSaved
{
    public static ApiError? Describe(TurnRecordStatus status, int messageLimit) => status switch
    {
        // No wait: the reply is queued; sending it again would write it twice.
        TurnRecordStatus.Deferred => ApiError.Of(ErrorCodes.PersistDeferred,
            "The conversation store is unreachable. The reply is kept by the server and saved when the store is back."),
        TurnRecordStatus.Failed => ApiError.Of(ErrorCodes.PersistFailed, "The conversation store did not accept the reply. It was not saved.", StorageFailures.RetryAfter),
        TurnRecordStatus.Deleted => ApiError.Of(ErrorCodes.ConversationDeleted, "The conversation was deleted while the reply was written; the reply was not saved."),
        TurnRecordStatus.Full => ApiError.Of(ErrorCodes.ConversationFull,
            $"The conversation reached its limit of {messageLimit} messages while the reply was written; the reply was not saved. Start a new one."),
        _ => null,
    };
}
