using Api.Auth;
using Api.Conversations;
using Api.Errors;
using Api.Infrastructure;
using Api.Shared;
using Api.Streaming;

namespace Api.Replies;

/// <summary>
/// Replies in progress: resume one (from any replica, with the shared store) and cancel one. A reply belongs to its
/// user's conversation; any other caller is told it does not exist.
/// </summary>
public static class ReplyEndpoints
{
    /// <summary>The query parameter for clients that cannot set <c>Last-Event-ID</c> (a browser's fetch can; EventSource does it itself).</summary>
    public const string LastEventIdQuery = "lastEventId";

    public static IEndpointRouteBuilder MapReplyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/conversations/{id}/reply").WithTags("Chat");

        api.MapGet(string.Empty, ResumeAsync)
            .WithName("ResumeReply")
            .WithSummary("The conversation's reply in progress as Server-Sent Events: from the start, or after the event named by Last-Event-ID. 204 when none is in progress.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/cancel", CancelAsync)
            .WithName("CancelReply")
            .WithSummary("Stops the conversation's reply in progress, on whichever replica runs it; what it had is kept, marked incomplete.")
            .Produces<CancelReplyResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }

    private static async Task<IResult> ResumeAsync(string id, HttpContext context, CurrentUser user, ReplyRuns runs, ReplyLogStore logs, SharedStore store, TimeProvider time)
    {
        if (!ConversationStore.IsValidId(id))
        {
            return ApiProblems.NotFound("The conversation");
        }

        var lastEventId = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? context.Request.Query[LastEventIdQuery].FirstOrDefault();
        string? replyId;
        var from = 0;
        if (!string.IsNullOrEmpty(lastEventId))
        {
            if (!ReplyEventId.TryParse(lastEventId, out var last))
            {
                return ApiError.Of(ErrorCodes.InvalidLastEventId, "Last-Event-ID must be the id of an event of this API's replies ({replyId}:{index}).").ToResult();
            }

            (replyId, from) = (last.ReplyId, last.Index + 1);
        }
        else
        {
            try
            {
                replyId = runs.FindActive(user.PartitionKey, id)?.Id ?? (store.Usable ? await logs.ActiveAsync(user.PartitionKey, id) : null);
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "looking for a reply in progress");
                return StoreAway();
            }

            if (replyId is null)
            {
                return store.Configured && !store.Usable ? StoreAway() : Results.NoContent();
            }
        }

        if (runs.Find(replyId) is { } run)
        {
            return run.User == user.PartitionKey && run.ConversationId == id
                ? new ReplyResumeResult(ReplyStreamWriter.Follow(run, from))
                : ReplyNotFound();
        }

        if (!store.Usable)
        {
            return store.Configured ? StoreAway() : ReplyNotFound();
        }

        try
        {
            if (!await logs.BelongsToAsync(replyId, user.PartitionKey, id))
            {
                return ReplyNotFound();
            }
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            store.Failed(ex, "resuming a reply");
            return StoreAway();
        }

        return new ReplyResumeResult(ReplyLogReader.ReadAsync(logs, replyId, from, time, context.RequestAborted));
    }

    private static async Task<IResult> CancelAsync(string id, CurrentUser user, ReplyRuns runs, SharedStore store)
    {
        if (!ConversationStore.IsValidId(id))
        {
            return ApiProblems.NotFound("The conversation");
        }

        string? cancelled;
        try
        {
            cancelled = await runs.CancelAsync(user.PartitionKey, id);
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            store.Failed(ex, "cancelling a reply");
            return StoreAway();
        }

        if (cancelled is not null)
        {
            return TypedResults.Accepted((string?)null, new CancelReplyResponse(cancelled));
        }

        return store.Configured && !store.Usable
            ? StoreAway()
            : ApiError.Of(ErrorCodes.NoActiveReply, "The conversation has no reply in progress.").ToResult();
    }

    private static IResult ReplyNotFound() =>
        ApiError.Of(ErrorCodes.ReplyNotFound, "The reply does not exist, or it ended long enough ago that only the saved conversation has it.").ToResult();

    private static IResult StoreAway() => ApiError.Of(ErrorCodes.SharedStoreUnavailable,
        "The shared store is unreachable: a reply in progress on another server can be neither resumed nor cancelled from here until it is back.").ToResult();
}

/// <summary>The body of a cancel: the reply that was asked to stop.</summary>
public sealed record CancelReplyResponse(string ReplyId);

/// <summary>A resumed reply, written as Server-Sent Events from its first event on (errors included, as events).</summary>
public sealed class ReplyResumeResult(IAsyncEnumerable<ReplyItem> items) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext) => ReplyStreamWriter.WriteAsync(httpContext, items, plainErrorBeforeStart: false);
}
