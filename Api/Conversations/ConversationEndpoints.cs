using Api.Auth;
using Api.Errors;
using Api.Infrastructure;
using Api.Safety;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Api.Conversations;

public static class ConversationEndpoints
{
    /// <summary>A title is at most a few hundred characters: 16 KB is plenty for its JSON.</summary>
    public const long TitleBodyLimit = 16 * 1024;

    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/conversations").WithTags("Conversations");

        api.MapPost("/", CreateAsync).WithName("CreateConversation").WithSummary("Starts a conversation.").WithBodyLimit(TitleBodyLimit);
        api.MapGet("/", ListAsync).WithName("ListConversations").WithSummary("The caller's conversations, newest activity first, paged.");
        api.MapGet("/{id}", GetAsync).WithName("GetConversation").WithSummary("A conversation with its messages.");
        api.MapPatch("/{id}", RenameAsync).WithName("RenameConversation").WithSummary("Renames a conversation.").WithBodyLimit(TitleBodyLimit)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/{id}", DeleteAsync).WithName("DeleteConversation").WithSummary("Deletes a conversation and all its messages.");

        return endpoints;
    }

    private static async Task<Results<Created<ConversationSummaryDto>, ProblemHttpResult>> CreateAsync(
        CreateConversationRequest? request, CurrentUser user, ConversationStore store, ConversationHistoryCache historyCache, IOptions<ConversationOptions> options, CancellationToken cancellationToken)
    {
        var title = request?.Title is { } requested ? InputSanitizer.SanitizeTitle(requested) : null;
        if (title is { Length: > 0 } && title.Length > options.Value.MaxTitleChars)
        {
            return ApiProblems.BadRequest($"The title is longer than {options.Value.MaxTitleChars} characters.", ErrorCodes.TitleTooLong);
        }

        var chosen = title is { Length: > 0 } && InputSanitizer.HasVisibleText(title);
        var conversation = await store.CreateAsync(user.PartitionKey, chosen ? title! : "New conversation", titleIsFinal: chosen, cancellationToken);
        // This replica knows the new conversation's history (none) at its first version: its first turn here is warm.
        historyCache.Set(user.PartitionKey, conversation.Id, new HistorySnapshot(conversation.ETag, [], conversation));
        return TypedResults.Created($"/api/conversations/{conversation.Id}", ConversationSummaryDto.From(conversation));
    }

    private static async Task<Results<Ok<ConversationPageDto>, ProblemHttpResult>> ListAsync(
        CurrentUser user, ConversationStore store, IOptions<ConversationOptions> options, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var size = pageSize ?? 20;
        if (size < 1 || size > options.Value.MaxPageSize)
        {
            return ApiProblems.BadRequest($"pageSize must be between 1 and {options.Value.MaxPageSize}.", ErrorCodes.InvalidPageSize);
        }

        try
        {
            var page = await store.ListAsync(user.PartitionKey, size, string.IsNullOrEmpty(continuationToken) ? null : continuationToken, cancellationToken);
            return TypedResults.Ok(new ConversationPageDto([.. page.Items.Select(ConversationSummaryDto.From)], page.ContinuationToken));
        }
        catch (InvalidContinuationTokenException)
        {
            return ApiProblems.BadRequest("The continuation token is not valid.", ErrorCodes.InvalidContinuationToken);
        }
    }

    private static async Task<Results<Ok<ConversationDetailDto>, ProblemHttpResult>> GetAsync(
        string id, CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        var conversation = await store.GetAsync(user.PartitionKey, id, cancellationToken);
        if (conversation is null)
        {
            return ApiProblems.NotFound("The conversation");
        }

        var messages = await store.GetMessagesAsync(user.PartitionKey, id, cancellationToken);
        return TypedResults.Ok(new ConversationDetailDto(
            conversation.Id, conversation.Title, conversation.CreatedAt, conversation.UpdatedAt, conversation.MessageCount,
            [.. messages.Select(MessageDto.From)]));
    }

    private static async Task<Results<Ok<ConversationSummaryDto>, ProblemHttpResult>> RenameAsync(
        string id, RenameConversationRequest? request, CurrentUser user, ConversationStore store, IOptions<ConversationOptions> options, CancellationToken cancellationToken)
    {
        var title = request?.Title is { } requested ? InputSanitizer.SanitizeTitle(requested) : null;
        if (string.IsNullOrEmpty(title) || !InputSanitizer.HasVisibleText(title))
        {
            return ApiProblems.BadRequest("The title is empty.", ErrorCodes.EmptyTitle);
        }

        if (title.Length > options.Value.MaxTitleChars)
        {
            return ApiProblems.BadRequest($"The title is longer than {options.Value.MaxTitleChars} characters.", ErrorCodes.TitleTooLong);
        }

        try
        {
            var renamed = await store.RenameAsync(user.PartitionKey, id, title, cancellationToken);
            return renamed is null ? ApiProblems.NotFound("The conversation") : TypedResults.Ok(ConversationSummaryDto.From(renamed));
        }
        catch (ConversationBusyException)
        {
            return ApiProblems.Of(ApiError.Of(ErrorCodes.ConversationBusy, "Other changes to this conversation kept winning; try again."));
        }
    }

    /// <summary>
    /// 204 when this call deleted it or finished another delete of it; 404 <c>not_found</c> when nothing was there. A reply
    /// running in it is cancelled first, on whichever replica runs it: its model call ends, and its usage is still counted.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, CurrentUser user, ConversationStore store, IEnumerable<IConversationDeletedListener> listeners, CancellationToken cancellationToken)
    {
        try
        {
            if (ConversationStore.IsValidId(id))
            {
                await Task.WhenAll(listeners.Select(l => l.DeletingAsync(user.PartitionKey, id)));
            }

            return await store.DeleteAsync(user.PartitionKey, id, cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound("The conversation");
        }
        catch (ConversationBusyException)
        {
            return ApiProblems.Of(ApiError.Of(ErrorCodes.ConversationBusy, "Other changes to this conversation kept winning; try again."));
        }
    }
}
