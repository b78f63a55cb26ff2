using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Api.Auth;
using Api.Conversations;
using Api.Infrastructure;
using Api.Limits;
using Api.Llm;
using Api.Safety;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// A chat turn's admission: checks and limits, cheapest first; nothing reaches the model until all pass, and the
/// result is a <see cref="TurnAdmission"/> (the turn with its slots, or a refusal). <see cref="TurnStreamer"/> streams
/// an admitted turn and <see cref="TurnCompletion"/> ends it. The checks:
/// input size and content, prompt injection, an open circuit breaker (refused before any I/O), the user's limits, the
/// conversation, the daily token quota, the context budget, and a slot on a backend. The reply then streams through the
/// leak guard, and the turn is written once at the end (a single batch), whatever way it ended.
/// </summary>
public sealed class ChatTurnService(
    ConversationStore store,
    ConversationHistoryCache historyCache,
    LlmGateway gateway,
    LlmBackends backends,
    RequestGate gate,
    SystemPromptProvider prompts,
    LlmMetrics metrics,
    IOptions<LlmOptions> llmOptions,
    IOptions<ConversationOptions> conversationOptions,
    IOptions<SafetyOptions> safetyOptions,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _security = loggerFactory.CreateLogger(SecurityEvents.Category);

    /// <summary>Checks a new message; on success the turn is ready to stream, otherwise the error to return.</summary>
    public async Task<TurnAdmission> PrepareSendAsync(CurrentUser user, string conversationId, SendMessageRequest request, CancellationToken cancellationToken)
    {
        var limits = conversationOptions.Value;
        if (string.IsNullOrWhiteSpace(request.Content))
        {
            return Reject("invalid", Problem(StatusCodes.Status400BadRequest, "Invalid request", "The message content is empty.", "empty_message"));
        }

        if (request.Content.Length > limits.MaxMessageChars)
        {
            return Reject("too_large", Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The message has {request.Content.Length} characters; the limit is {limits.MaxMessageChars}.", "message_too_long"));
        }

        var sanitized = InputSanitizer.Sanitize(request.Content);
        if (sanitized.Removed > 0)
        {
            SecurityEvents.InvisibleCharactersRemoved(_security, sanitized.Removed, user.Id, conversationId);
            metrics.SafetyFlag("invisible_characters");
        }

        var content = sanitized.Text;
        if (!InputSanitizer.HasVisibleText(content))
        {
            return Reject("invalid", Problem(StatusCodes.Status400BadRequest, "Invalid request", "The message has no visible content.", "empty_message"));
        }

        var verdict = PromptInjectionDetector.Inspect(content);
        if (verdict.Detected)
        {
            var block = safetyOptions.Value.PromptInjection == InjectionPolicy.Block;
            SecurityEvents.PromptInjectionDetected(_security, block ? "blocked" : "flagged", user.Id, conversationId, string.Join(", ", verdict.Matches));
            if (safetyOptions.Value.LogPromptText)
            {
                SecurityEvents.FlaggedPromptText(_security, user.Id, content);
            }

            metrics.SafetyFlag("prompt_injection");
            if (block)
            {
                return Reject("prompt_injection", Problem(StatusCodes.Status400BadRequest, "Invalid request", "The message was refused by the prompt-injection policy.", "prompt_injection"));
            }
        }

        return await PrepareAsync(user, conversationId, request.Model, request.Temperature, request.MaxOutputTokens, content, verdict.Detected, cancellationToken);
    }

    /// <summary>Checks a regenerate request: the conversation must end with a reply to redo.</summary>
    public Task<TurnAdmission> PrepareRegenerateAsync(CurrentUser user, string conversationId, RegenerateRequest request, CancellationToken cancellationToken) =>
        PrepareAsync(user, conversationId, request.Model, request.Temperature, request.MaxOutputTokens, newUserMessage: null, injectionFlagged: false, cancellationToken);

    private async Task<TurnAdmission> PrepareAsync(
        CurrentUser user, string conversationId, string? model, double? temperature, int? maxOutputTokens, string? newUserMessage, bool injectionFlagged, CancellationToken cancellationToken)
    {
        var options = llmOptions.Value;
        if (model is not null && backends.ForModel(model) is null)
        {
            return Reject("invalid", Problem(StatusCodes.Status400BadRequest, "Invalid request", $"The model '{model}' is not one of the configured models (see GET /api/models).", "unknown_model"));
        }

        if (temperature is { } t && (double.IsNaN(t) || t < 0))
        {
            return Reject("invalid", Problem(StatusCodes.Status400BadRequest, "Invalid request", "The temperature must be a number of 0 or more.", "invalid_temperature"));
        }

        if (maxOutputTokens is < 1)
        {
            return Reject("invalid", Problem(StatusCodes.Status400BadRequest, "Invalid request", "maxOutputTokens must be at least 1.", "invalid_max_output_tokens"));
        }

        var (streamSlot, refusal) = await gate.EnterAsync(user.PartitionKey, model);
        if (refusal is not null)
        {
            return Refused(refusal);
        }

        var handedOver = false;
        try
        {
            if (!ConversationStore.IsValidId(conversationId))
            {
                return Reject("not_found", Problem(StatusCodes.Status404NotFound, "Not found", "The conversation does not exist.", "not_found"));
            }

            // One round trip before the model call: the conversation and the day's usage (point reads) together, and the
            // history with them unless this replica holds it warm for the conversation's current version (its ETag).
            var now = time.GetUtcNow();
            var conversationRead = store.GetAsync(user.PartitionKey, conversationId, cancellationToken);
            var usageRead = store.GetDailyUsageAsync(user.PartitionKey, DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
            var warm = historyCache.Has(user.PartitionKey, conversationId);
            var historyRead = warm ? null : store.GetMessagesAsync(user.PartitionKey, conversationId, cancellationToken);
            await Task.WhenAll(historyRead is null ? [conversationRead, usageRead] : new Task[] { conversationRead, usageRead, historyRead }).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var conversation = await conversationRead;
            if (conversation is null)
            {
                return Reject("not_found", Problem(StatusCodes.Status404NotFound, "Not found", "The conversation does not exist.", "not_found"));
            }

            if (newUserMessage is not null && conversation.MessageCount + 2 > conversationOptions.Value.MaxMessagesPerConversation)
            {
                return Reject("too_large", Problem(StatusCodes.Status400BadRequest, "Invalid request", 
                    $"The conversation has reached its limit of {conversationOptions.Value.MaxMessagesPerConversation} messages; start a new one.", "conversation_too_long"));
            }

            var usage = await usageRead;
            if (gate.CheckQuota(usage, now) is { } quota)
            {
                return Refused(quota);
            }

            var history = historyRead is not null
                ? await historyRead
                : historyCache.Get(user.PartitionKey, conversationId, conversation.ETag) ?? await store.GetMessagesAsync(user.PartitionKey, conversationId, cancellationToken);
            var fullHistory = history;
            StoredMessage? replaced = null;
            if (newUserMessage is null)
            {
                if (history.Count < 2 || history[^1].Role != MessageRoles.Assistant)
                {
                    return Reject("invalid", Problem(StatusCodes.Status400BadRequest, "Invalid request", "The conversation has no reply to regenerate.", "nothing_to_regenerate"));
                }

                replaced = history[^1];
                history = [.. history.Take(history.Count - 1)];
            }

            var outputTokens = Math.Min(maxOutputTokens ?? options.DefaultMaxOutputTokens, options.MaxOutputTokensCap);
            var boundedTemperature = (float)Math.Min(temperature ?? options.DefaultTemperature, options.MaxTemperature);
            var systemPrompt = prompts.SystemPrompt;
            var reminder = injectionFlagged ? SystemPromptProvider.InjectionReminder : null;
            var fixedCost = TokenEstimator.EstimateMessage(systemPrompt) + outputTokens
                + (newUserMessage is null ? 0 : TokenEstimator.EstimateMessage(newUserMessage))
                + (reminder is null ? 0 : TokenEstimator.EstimateMessage(reminder));
            if (fixedCost > options.ContextTokenBudget)
            {
                return Reject("too_large", Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", "The message does not fit the model's context budget.", "context_too_long"));
            }

            var messages = ChatContextBuilder.Build(systemPrompt, history, newUserMessage, options.ContextTokenBudget, outputTokens, reminder);
            var chosenModel = model ?? backends.DefaultModel!;

            var (lease, rejection) = await gateway.AdmitAsync(model, user.PartitionKey, cancellationToken);
            if (rejection is not null)
            {
                return TurnAdmission.Refused(ApiProblems.Create(rejection.Status, rejection.Title, rejection.Detail, rejection.Code), rejection.RetryAfter);
            }

            handedOver = true;
            var request = new LlmRequest(messages, chosenModel, boundedTemperature, outputTokens);
            var needsTitle = newUserMessage is not null && !conversation.TitleGenerated;
            return TurnAdmission.Admitted(new PreparedTurn(user, conversation, newUserMessage, request, replaced, needsTitle, injectionFlagged, now, lease!, streamSlot!) { Usage = usage, History = fullHistory });
        }
        finally
        {
            if (!handedOver)
            {
                streamSlot!.Dispose();
            }
        }
    }

    private TurnAdmission Reject(string reason, ProblemDetails problem)
    {
        metrics.Rejected(reason);
        return TurnAdmission.Refused(problem, null);
    }

    private static TurnAdmission Refused(GateRefusal refusal) =>
        TurnAdmission.Refused(ApiProblems.Create(refusal.Status, refusal.Title, refusal.Detail, refusal.Code), refusal.RetryAfter);

    private static ProblemDetails Problem(int status, string title, string detail, string code) => ApiProblems.Create(status, title, detail, code);

    internal static ProblemDetails ShutdownProblem() =>
        ApiProblems.Create(RequestGate.ShuttingDown.Status, RequestGate.ShuttingDown.Title, RequestGate.ShuttingDown.Detail, RequestGate.ShuttingDown.Code);
}
