using Api.Conversations;
using Api.Errors;
using Api.Llm;
using Api.ModelCalls;
using Api.ModelCalls.Steps;
using Api.Safety;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// A chat turn's context (the pipeline's step 8): the conversation and its history (one round trip, or none for the
/// history this replica holds warm: with the shared store, confirmed by the version its one call read before the model
/// was called; alone, by the row's version while the model call is in flight), the message limit, the reply to redo when
/// regenerating (whose user message is inspected again: the model gets the reminder it got the first time), then the
/// system prompt, as much history as fits the budget, and the new message. What it read stays here for the turn.
/// </summary>
public sealed class ChatContext(
    ConversationStore store,
    ConversationHistoryCache historyCache,
    SystemPromptProvider prompts,
    InspectionStep inspection,
    IOptions<ConversationOptions> conversations,
    IOptions<LlmOptions> llm,
    string conversationId,
    bool regenerate,
    bool startOnSnapshot = true) : IModelContext
{
    public Conversation? Conversation { get; private set; }

    /// <summary>Every message of the conversation before this turn.</summary>
    public IReadOnlyList<StoredMessage> History { get; private set; } = [];

    /// <summary>The new user message as cleaned; null when regenerating.</summary>
    public string? UserMessage { get; private set; }

    /// <summary>The reply a regenerate replaces.</summary>
    public StoredMessage? Replaced { get; private set; }

    public async Task<ApiError?> BuildAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!ConversationStore.IsValidId(conversationId))
        {
            return NotFound();
        }

        var user = state.Call.User.PartitionKey;
        // Confirmed before the model is called: the version the shared store holds (read by step 4's one call) is the
        // snapshot's, so the history held here is the stored one, and the turn reads nothing.
        if (state.ConversationVersion is { } version && historyCache.Peek(user, conversationId) is { Conversation: { } row } confirmed && row.Version == version)
        {
            Conversation = row;
            History = confirmed.Messages;
            return Compose(state, confirmed.Messages, row.MessageCount);
        }

        var conversationRead = store.GetAsync(user, conversationId, cancellationToken);
        // Warm (this replica wrote the conversation last) and alone: the model is called with the history held here while
        // the conversation's row is read; the row then confirms the snapshot (same version) or the context is made again.
        if (startOnSnapshot && !regenerate && historyCache.Peek(user, conversationId) is { } snapshot
            && Compose(state, snapshot.Messages, snapshot.Messages.Count) is null)
        {
            History = snapshot.Messages;
            state.Defer(ConfirmAsync(state, conversationRead, snapshot, cancellationToken));
            return null;
        }

        var warm = historyCache.Has(user, conversationId);
        var historyRead = warm ? null : store.GetMessagesAsync(user, conversationId, cancellationToken);
        await Task.WhenAll(historyRead is null ? [conversationRead] : new Task[] { conversationRead, historyRead }).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var conversation = await conversationRead;
        if (conversation is null)
        {
            return NotFound();
        }

        var history = historyRead is not null
            ? await historyRead
            : historyCache.Get(user, conversationId, conversation.ETag) ?? await store.GetMessagesAsync(user, conversationId, cancellationToken);
        Conversation = conversation;
        History = history;
        return Compose(state, history, conversation.MessageCount);
    }

    /// <summary>The warm turn's check, while the model call is in flight: the row at the snapshot's version, or the context again.</summary>
    private async Task<ApiError?> ConfirmAsync(ModelCallState state, Task<Conversation?> conversationRead, HistorySnapshot snapshot, CancellationToken cancellationToken)
    {
        var conversation = await conversationRead;
        if (conversation is null)
        {
            return NotFound();
        }

        Conversation = conversation;
        if (conversation.ETag == snapshot.ETag)
        {
            return null;
        }

        // Written elsewhere since (another replica, a rename): the model was asked with an old history. Ask again.
        var history = await store.GetMessagesAsync(state.Call.User.PartitionKey, conversationId, cancellationToken);
        History = history;
        state.ContextChanged = true;
        return Compose(state, history, conversation.MessageCount);
    }

    /// <summary>The model's messages from <paramref name="history"/>: the limit, the reply to redo, then what fits the budget.</summary>
    private ApiError? Compose(ModelCallState state, IReadOnlyList<StoredMessage> history, int messageCount)
    {
        var limit = conversations.Value.MaxMessagesPerConversation;
        if (!regenerate && messageCount + 2 > limit)
        {
            return ApiError.Of(ErrorCodes.ConversationTooLong, $"The conversation has reached its limit of {limit} messages; start a new one.");
        }

        // The user message the model answers: the new one, or the one a regenerate sends again. It goes last, after the
        // reminder when it was flagged (the reminder speaks of "the next user message").
        string? answered;
        if (regenerate)
        {
            if (history.Count < 2 || history[^1].Role != MessageRoles.Assistant)
            {
                return ApiError.Of(ErrorCodes.NothingToRegenerate, "The conversation has no reply to regenerate.");
            }

            Replaced = history[^1];
            history = [.. history.Take(history.Count - 1)];
            answered = null;
            if (history.Count > 0 && history[^1].Role == MessageRoles.User)
            {
                answered = history[^1].Content;
                history = [.. history.Take(history.Count - 1)];
            }

            // The user message is sent again: inspected again, so a flagged one gets its reminder again.
            if (answered is not null
                && PromptInjectionDetector.Inspect(answered) is { Detected: true } verdict
                && inspection.Flag(state, verdict.Matches, answered) is { } refused)
            {
                return refused;
            }
        }
        else
        {
            UserMessage = state.Cleaned.Single(m => m.Role == CallerMessage.User).Text;
            answered = UserMessage;
        }

        var options = llm.Value;
        var systemPrompt = prompts.SystemPrompt;
        var reminder = state.InjectionFlagged ? SystemPromptProvider.InjectionReminder : null;
        var fixedCost = TokenEstimator.EstimateMessage(systemPrompt) + state.OutputTokens
            + (answered is null ? 0 : TokenEstimator.EstimateMessage(answered))
            + (reminder is null ? 0 : TokenEstimator.EstimateMessage(reminder));
        if (fixedCost > options.ContextTokenBudget)
        {
            return ShapeStep.ContextTooLong(options.ContextTokenBudget, fixedCost, state.Call.Params.Messages);
        }

        state.ModelMessages = ChatContextBuilder.Build(systemPrompt, history, answered, options.ContextTokenBudget, state.OutputTokens, state.InjectionFlagged);
        return null;
    }

    private static ApiError NotFound() => ApiError.Of(ErrorCodes.NotFound, "The conversation does not exist.");
}
