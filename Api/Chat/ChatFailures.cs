using Api.Infrastructure;
using Api.Llm;
using Api.Safety;
using Microsoft.AspNetCore.Mvc;

namespace Api.Chat;

/// <summary>How a reply's failure, and a turn that could not be saved, are told to the client: ProblemDetails with a stable code.</summary>
internal static class ChatFailures
{
    public static (ProblemDetails Problem, TimeSpan? RetryAfter) Describe(Exception failure) => failure switch
    {
        OutputBlockedException => (ApiProblems.Create(StatusCodes.Status502BadGateway, "The reply was stopped", "The reply was stopped because it began to disclose confidential instructions.", "output_blocked"), null),
        LlmUnavailableException unavailable => (ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The language model is unavailable", unavailable.Message, "llm_unavailable"), unavailable.RetryAfter ?? TimeSpan.FromSeconds(10)),
        LlmStreamBrokenException broken => (ApiProblems.Create(StatusCodes.Status502BadGateway, "The reply was cut off", broken.Message, "llm_stream_broken"), TimeSpan.FromSeconds(2)),
        IOException => (ApiProblems.Create(StatusCodes.Status502BadGateway, "The reply was cut off", "The connection to the model server broke.", "llm_stream_broken"), TimeSpan.FromSeconds(2)),
        TimeoutException timeout => (ApiProblems.Create(StatusCodes.Status504GatewayTimeout, "The language model timed out", timeout.Message, "llm_timeout"), TimeSpan.FromSeconds(5)),
        HttpRequestException { StatusCode: System.Net.HttpStatusCode.ServiceUnavailable } => (ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The language model is busy", "The model server's queue is full.", "llm_busy"), TimeSpan.FromSeconds(5)),
        HttpRequestException http => (ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The language model is unavailable", $"The model server could not be reached ({http.StatusCode?.ToString() ?? http.HttpRequestError.ToString()}).", "llm_unavailable"), TimeSpan.FromSeconds(10)),
        _ => (ApiProblems.Create(StatusCodes.Status502BadGateway, "The language model failed", "The model server returned an error.", "llm_error"), TimeSpan.FromSeconds(5)),
    };

    /// <summary>The last event of a stream whose turn was not saved; null when it was.</summary>
    public static ChatEvent.Error? NotSaved(TurnRecordStatus status, int messageLimit) => status switch
    {
        // No Retry-After: the reply is queued; sending it again would write it twice.
        TurnRecordStatus.Deferred => new(ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The reply is not saved yet",
            "The conversation store is unreachable. The reply is kept by the server and saved when the store is back.", "persist_deferred"), null),
        TurnRecordStatus.Failed => new(ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "The reply could not be saved",
            "The conversation store did not accept the reply. It was not saved.", "persist_failed"), StorageFailures.RetryAfter),
        TurnRecordStatus.Deleted => new(ApiProblems.Create(StatusCodes.Status410Gone, "The conversation was deleted",
            "The conversation was deleted while the reply was written; the reply was not saved.", "conversation_deleted"), null),
        TurnRecordStatus.Full => new(ApiProblems.Create(StatusCodes.Status409Conflict, "The conversation is full",
            $"The conversation reached its limit of {messageLimit} messages while the reply was written; the reply was not saved. Start a new one.", "conversation_too_long"), null),
        _ => null,
    };
}
