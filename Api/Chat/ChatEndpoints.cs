using Api.Auth;
using Api.Conversations;
using Api.Errors;
using Api.Infrastructure;
using Api.ModelCalls;
using Api.Streaming;
using Microsoft.AspNetCore.Mvc;

namespace Api.Chat;

public static class ChatEndpoints
{
    /// <summary>A message is at most 16,000 characters (up to 64 KB of UTF-8) plus a few options: 256 KB leaves room and no more.</summary>
    public const long MessageBodyLimit = 256 * 1024;

    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/conversations/{id}").WithTags("Chat");

        api.MapPost("/messages", SendAsync)
            .WithBodyLimit(MessageBodyLimit)
            .WithName("SendMessage")
            .WithSummary("Sends a message; the reply streams as Server-Sent Events (delta, done, error) or, with stream=false, returns as JSON.")
            .Produces<DoneEvent>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/regenerate", RegenerateAsync)
            .WithBodyLimit(ConversationEndpoints.TitleBodyLimit)
            .WithName("RegenerateReply")
            .WithSummary("Redoes the last reply, streamed like SendMessage.")
            .Produces<DoneEvent>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }

    private static async Task<IResult> SendAsync(string id, [FromBody] SendMessageRequest? request, CurrentUser user, ChatTurnService turns, TurnStreamer streamer, Replies.ReplyRuns runs, HttpContext http, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ApiError.Of(ErrorCodes.MissingBody, "The request body is missing.").ToResult();
        }

        return Reply(await turns.PrepareSendAsync(user, id, request, RequestOrigin.Of(http), cancellationToken), streamer, runs, request.Stream ?? true);
    }

    private static async Task<IResult> RegenerateAsync(string id, [FromBody] RegenerateRequest? request, CurrentUser user, ChatTurnService turns, TurnStreamer streamer, Replies.ReplyRuns runs, HttpContext http, CancellationToken cancellationToken)
    {
        request ??= new RegenerateRequest();
        return Reply(await turns.PrepareRegenerateAsync(user, id, request, RequestOrigin.Of(http), cancellationToken), streamer, runs, request.Stream ?? true);
    }

    /// <summary>An admitted turn streams (or returns one JSON reply); a refused one is its error, with Retry-After when waiting helps.</summary>
    private static IResult Reply(TurnAdmission admission, TurnStreamer streamer, Replies.ReplyRuns runs, bool stream) =>
        admission.Turn is { } turn ? new ChatReplyResult(runs, new ChatReply(turn, streamer), stream) : admission.Refusal!.ToResult();
}
