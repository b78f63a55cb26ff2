using System.Runtime.CompilerServices;
using Api.Auth;
using Api.Chat;
using Api.Conversations;
using Api.Llm;
using Api.Safety;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Api.OpenAi;

/// <summary>
/// The OpenAI-compatible route under the chat API's governance: the same gate (shutdown, breaker, per-user limits,
/// the day's quota), the injection policy, the context budget, fair admission to the model, our system prompt first
/// (its canary armed), the leak guard on the stream, usage added to the user's day, metrics tagged <c>route=openai</c>.
/// Stateless: nothing of the conversation is stored.
/// </summary>
public sealed class CompletionService(
    RequestGate gate,
    LlmGateway gateway,
    GuardedReplyReader reader,
    ConversationStore store,
    SystemPromptProvider prompts,
    LlmMetrics metrics,
    IOptions<LlmOptions> llmOptions,
    IOptions<SafetyOptions> safetyOptions,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    private const string Route = LlmMetricNames.OpenAiRoute;
    private readonly ILogger _security = loggerFactory.CreateLogger(SecurityEvents.Category);
    private readonly ILogger _logger = loggerFactory.CreateLogger<CompletionService>();

    public async Task<(CompletionTurn? Turn, CompletionError? Error)> AdmitAsync(CurrentUser user, CompletionRequest request, CancellationToken cancellationToken)
    {
        var options = llmOptions.Value;
        if (request.InvisibleRemoved > 0)
        {
            SecurityEvents.InvisibleCharactersRemoved(_security, request.InvisibleRemoved, user.Id, Route);
            metrics.SafetyFlag("invisible_characters");
        }

        var flagged = request.InjectionMatches.Count > 0;
        if (flagged)
        {
            var block = safetyOptions.Value.PromptInjection == InjectionPolicy.Block;
            SecurityEvents.PromptInjectionDetected(_security, block ? "blocked" : "flagged", user.Id, Route, string.Join(", ", request.InjectionMatches));
            metrics.SafetyFlag("prompt_injection");
            if (safetyOptions.Value.LogPromptText)
            {
                SecurityEvents.FlaggedPromptText(_security, user.Id, string.Join("\n", request.Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text)));
            }

            if (block)
            {
                return Refuse(new CompletionError(StatusCodes.Status400BadRequest, "invalid_request_error", "prompt_injection", "messages", "The request was refused by the prompt-injection policy."));
            }
        }

        var outputTokens = Math.Min(request.MaxTokens ?? options.DefaultMaxOutputTokens, options.MaxOutputTokensCap);
        var reminder = flagged ? SystemPromptProvider.InjectionReminder : null;
        var cost = TokenEstimator.EstimateMessage(prompts.SystemPrompt) + outputTokens + request.Messages.Sum(m => TokenEstimator.EstimateMessage(m.Text))
            + (reminder is null ? 0 : TokenEstimator.EstimateMessage(reminder));
        if (cost > options.ContextTokenBudget)
        {
            return Refuse(new CompletionError(StatusCodes.Status400BadRequest, "invalid_request_error", "context_length_exceeded", "messages",
                $"This model's context budget is {options.ContextTokenBudget} tokens; the messages and max_tokens need about {cost}. Shorten the messages or lower max_tokens."));
        }

        var (slot, refusal) = await gate.EnterAsync(user.PartitionKey, request.Model);
        if (refusal is not null)
        {
            return Refuse(OpenAiErrors.From(refusal));
        }

        var handedOver = false;
        try
        {
            var now = time.GetUtcNow();
            var usage = await store.GetDailyUsageAsync(user.PartitionKey, DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
            if (gate.CheckQuota(usage, now) is { } quota)
            {
                return Refuse(OpenAiErrors.From(quota));
            }

            var (lease, rejection) = await gateway.AdmitAsync(request.Model, user.PartitionKey, cancellationToken, Route);
            if (rejection is not null)
            {
                return Refuse(OpenAiErrors.From(new GateRefusal(rejection.Status, rejection.Code, rejection.Title, rejection.Detail, rejection.RetryAfter)));
            }

            // Our system prompt (with its canary) comes first, whatever system messages the caller sends.
            var messages = new List<ChatMessage>(request.Messages.Count + 2) { new(ChatRole.System, prompts.SystemPrompt) };
            messages.AddRange(request.Messages);
            if (reminder is not null)
            {
                messages.Add(new ChatMessage(ChatRole.System, reminder));
            }

            var temperature = (float)Math.Min(request.Temperature ?? options.DefaultTemperature, options.MaxTemperature);
            handedOver = true;
            return (new CompletionTurn(user, "chatcmpl-" + Guid.NewGuid().ToString("N"), now.ToUnixTimeSeconds(), request.Model,
                new LlmRequest(messages, request.Model, temperature, outputTokens), lease!, slot!, usage), null);
        }
        finally
        {
            if (!handedOver)
            {
                slot!.Dispose();
            }
        }
    }

    /// <summary>
    /// The completion's text through the leak guard, then its end (finish reason, usage) or an error. The caller leaving
    /// cancels the model call at once (nothing to resume: the route is stateless); the shutdown drain ends it like a chat
    /// reply. Usage is added to the user's day.
    /// </summary>
    public async IAsyncEnumerable<CompletionPiece> StreamAsync(CompletionTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var outcome = new TurnOutcome();
        try
        {
            await foreach (var text in reader.ReadAsync(turn.Lease, turn.Request, outcome, turn.User.Id, Route, cancellationToken))
            {
                yield return new CompletionPiece.Text(text);
            }

            var backend = turn.Lease.Backend;
            var model = backend.IsFallback ? backend.Model : turn.Model;
            var reply = outcome.Reply;
            var outputTokens = outcome.CompletionTokens ?? (reply.Length > 0 ? TokenEstimator.Estimate(reply.ToString()) : 0);
            var usage = new CompletionUsage(outcome.PromptTokens ?? 0, outputTokens, (outcome.PromptTokens ?? 0) + outputTokens);
            var ended = outcome.Failure is null && !outcome.Cancelled && !outcome.ShuttingDown;
            metrics.ReplyFinished(backend.Name, ended ? "complete" : reply.Length > 0 ? "incomplete" : "failed", outcome.FirstToken, null, usage.CompletionTokens, Route);
            await RecordUsageAsync(turn, usage);
            if (outcome.Cancelled)
            {
                yield break;
            }

            if (outcome.ShuttingDown)
            {
                yield return new CompletionPiece.Failed(OpenAiErrors.From(RequestGate.ShuttingDown));
                yield break;
            }

            if (outcome.Failure is { } failure)
            {
                _logger.LogWarning(failure, "A completion failed after {Chars} characters.", reply.Length);
                var (problem, retryAfter) = ChatFailures.Describe(failure);
                yield return new CompletionPiece.Failed(OpenAiErrors.From(new GateRefusal(problem.Status ?? 502, (string)problem.Extensions["code"]!, problem.Title!, problem.Detail!, retryAfter)));
                yield break;
            }

            yield return new CompletionPiece.End(outcome.FinishReason == "length" ? "length" : "stop", model, usage);
        }
        finally
        {
            turn.Dispose();
        }
    }

    private async Task RecordUsageAsync(CompletionTurn turn, CompletionUsage usage)
    {
        if (usage.TotalTokens == 0)
        {
            return;
        }

        var day = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        try
        {
            await store.AddUsageAsync(turn.User.PartitionKey, new TurnUsage(day, usage.PromptTokens, usage.CompletionTokens, turn.Usage.Day == day ? turn.Usage : null), CancellationToken.None);
        }
        catch (Exception ex) when (Infrastructure.StorageFailures.IsUnavailable(ex) || ex is Azure.RequestFailedException)
        {
            // The answer was given; its tokens are not counted (logged, and the metrics have them).
            _logger.LogWarning(ex, "The usage of a completion ({Tokens} tokens) could not be recorded.", usage.TotalTokens);
        }
    }

    private static (CompletionTurn?, CompletionError?) Refuse(CompletionError error) => (null, error);
}
