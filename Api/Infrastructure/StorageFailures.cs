using Azure;

namespace Api.Infrastructure;

/// <summary>Tells a conversation store that cannot be reached (or answers 5xx) from a request that is simply wrong.</summary>
public static class StorageFailures
{
    /// <summary>Seconds a client should wait before trying again when the store is unreachable.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        // Azure.Core reports retries that all failed as one AggregateException ("Retry failed after N tries").
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnavailable),
        // Status 0: no response at all (refused, reset, DNS); the network error is its inner exception.
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        // The client's own network timeout, not a caller that went away.
        TaskCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };

    public static Api.Errors.ApiError Error() => Api.Errors.ApiError.Of(Api.Errors.ErrorCodes.StorageUnavailable,
        "Conversations cannot be read or written right now. Nothing was sent to the model. Try again shortly.", RetryAfter);
}
