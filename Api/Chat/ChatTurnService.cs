using Api.Auth;
using Api.Conversations;
using Api.Llm;
using Api.ModelCalls;
using Api.ModelCalls.Steps;
using Api.Safety;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// The chat routes' adapter to the model pipeline: a new message or a regenerate becomes a <see cref="ModelCall"/> with
/// the conversation as its context (<see cref="ChatContext"/>); the pipeline admits it or says why not. The admitted
/// turn streams (<see cref="TurnStreamer"/>) and is written once at its end (<see cref="TurnCompletion"/>).
/// </summary>
public sealed class ChatTurnService(
    ModelCallPipeline pipeline,
    ConversationStore store,
    ConversationHistoryCache historyCache,
    SystemPromptProvider prompts,
    InspectionStep inspection,
    IOptions<ConversationOptions> conversations,
    IOptions<LlmOptions> llm,
    Shared.SharedStore sharedStore,
    TimeProvider time)
{
    /// <summary>A new message: checked, inspected and admitted by the pipeline, or the error to answer with.</summary>
    public Task<TurnAdmission> PrepareSendAsync(CurrentUser user, string conversationId, SendMessageRequest request, RequestOrigin origin, CancellationToken cancellationToken) =>
        PrepareAsync(user, conversationId, ModelRoute.Chat, [new CallerMessage(CallerMessage.User, request.Content ?? string.Empty, ParamNames.Chat.Messages)],
            request.Model, request.Temperature, request.MaxOutputTokens, origin, cancellationToken);

    /// <summary>A regenerate: the conversation must end with a reply to redo.</summary>
    public Task<TurnAdmission> PrepareRegenerateAsync(CurrentUser user, string conversationId, RegenerateRequest request, RequestOrigin origin, CancellationToken cancellationToken) =>
        PrepareAsync(user, conversationId, ModelRoute.Regenerate, [], request.Model, request.Temperature, request.MaxOutputTokens, origin, cancellationToken);

    private async Task<TurnAdmission> PrepareAsync(CurrentUser user, string conversationId, ModelRoute route, IReadOnlyList<CallerMessage> messages,
        string? model, double? temperature, int? maxOutputTokens, RequestOrigin origin, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        // Several replicas (a shared store) write each other's conversations: a snapshot held here is often old, and
        // asking the model again would briefly hold two calls on one model slot. One replica alone starts on its snapshot;
        // with the store, the conversation's version (read in the same call as the limits) confirms it before the model is called.
        var context = new ChatContext(store, historyCache, prompts, inspection, conversations, llm, conversationId,
            regenerate: route == ModelRoute.Regenerate, startOnSnapshot: !sharedStore.Configured);
        var admission = await pipeline.AdmitAsync(new ModelCall
        {
            Route = route,
            User = user,
            Context = context,
            Messages = messages,
            Model = model,
            ConversationId = conversationId,
            Temperature = temperature,
            MaxOutputTokens = maxOutputTokens,
            NeedsUserText = route == ModelRoute.Chat,
            Params = ParamNames.Chat,
            Where = $"conversation {conversationId}",
            Origin = origin,
        }, cancellationToken);
        return admission.Run is { } run ? TurnAdmission.Admitted(new PreparedTurn(run, context, startedAt)) : TurnAdmission.Refused(admission.Refusal!);
    }
}
