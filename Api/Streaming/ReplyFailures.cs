using Api.Errors;
using Api.Llm;
using Api.Safety;

namespace Api.Streaming;

/// <summary>How a reply's failure is told to its client, on every route: an error of the catalogue.</summary>
public static class ReplyFailures
{
    public static ApiError Describe(Exception failure) => failure switch
    {
        OutputBlockedException => ApiError.Of(ErrorCodes.OutputBlocked, "The reply was stopped because it began to disclose confidential instructions."),
        Keys.ApiKeyRevokedException revoked => ApiError.Of(ErrorCodes.InvalidApiKey, revoked.Message),
        LlmUnavailableException unavailable => ApiError.Of(ErrorCodes.LlmUnavailable, unavailable.Message, unavailable.RetryAfter),
        LlmStreamBrokenException broken => ApiError.Of(ErrorCodes.LlmStreamBroken, broken.Message),
        IOException => ApiError.Of(ErrorCodes.LlmStreamBroken, "The connection to the model server broke."),
        TimeoutException timeout => ApiError.Of(ErrorCodes.LlmTimeout, timeout.Message),
        Polly.Timeout.TimeoutRejectedException => ApiError.Of(ErrorCodes.LlmTimeout, "The model server did not answer within its allowance."),
        HttpRequestException { StatusCode: System.Net.HttpStatusCode.ServiceUnavailable } => ApiError.Of(ErrorCodes.LlmBusy, "The model server's queue is full."),
        LlmContextLengthException => ApiError.Of(ErrorCodes.ContextLengthExceeded, "The conversation is longer than the model's context window. Shorten it or start a new one."),
        // Ollama's own text stays in our logs: it names the server's internals.
        HttpRequestException { StatusCode: System.Net.HttpStatusCode.BadRequest } => ApiError.Of(ErrorCodes.LlmError, "The model server refused the request."),
        HttpRequestException http => ApiError.Of(ErrorCodes.LlmUnavailable, $"The model server could not be reached ({http.StatusCode?.ToString() ?? http.HttpRequestError.ToString()})."),
        _ => ApiError.Of(ErrorCodes.LlmError, "The model server returned an error."),
    };

    /// <summary>The server is stopping: the request (or what is left of a reply) goes to another replica when sent again.</summary>
    public static ApiError ShuttingDown() =>
        ApiError.Of(ErrorCodes.ServerShuttingDown, "This server is shutting down; send the request again and another one will take it.");
}
