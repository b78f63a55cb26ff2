using System.Runtime.CompilerServices;
using Api.Auth;
using Api.Errors;
using Api.Llm;
using Api.ModelCalls;
using Api.Safety;
using Api.Streaming;

namespace Api.OpenAi;

/// <summary>
/// The OpenAI-compatible route's adapter to the model pipeline: a completion request becomes a <see cref="ModelCall"/>
/// (route <c>openai</c>) under the same governance as the chat routes, with <see cref="OpenAiContext"/> as its
/// context; its reply streams through the leak guard, and its usage is settled in the ledger however it ends.
/// Stateless: nothing of the conversation is stored.
/// </summary>
public sealed class CompletionService(ModelCallPipeline pipeline, SystemPromptProvider prompts, LlmMetrics metrics, TimeProvider time, ILogger<CompletionService> logger)
{
    public async Task<(CompletionTurn? Turn, ApiError? Error)> AdmitAsync(CurrentUser user, CompletionRequest request, RequestOrigin origin, KeyRecheck? recheck, CancellationToken cancellationToken)
    {
        var admission = await pipeline.AdmitAsync(new ModelCall
        {
            Route = ModelRoute.OpenAi,
            User = user,
            Context = new OpenAiContext(prompts),
            Messages = request.Messages,
            Model = request.Model,
            Temperature = request.Temperature,
            MaxOutputTokens = request.MaxTokens,
            NeedsUserText = true,
            Params = ParamNames.OpenAi with { MaxOutputTokens = request.MaxTokensParam },
            Tools = request.Tools,
            ToolChoice = request.ToolChoice,
            Where = "the OpenAI-compatible route",
            Origin = origin,
            Checks = recheck is null ? [] : [recheck.VerdictAsync()],
        }, cancellationToken);
        return admission.Run is { } run
            ? (new CompletionTurn(run, "chatcmpl-" + Guid.NewGuid().ToString("N"), time.GetUtcNow().ToUnixTimeSeconds(), request.Model, request.ParallelToolCalls), null)
            : (null, admission.Refusal);
    }

    /// <summary>
    /// The completion's text through the leak guard, then its end (finish reason, usage) or an error. The caller leaving
    /// cancels the model call at once (nothing to resume: the route is stateless); the shutdown drain ends it like a chat
    /// reply. Whatever happens, disposing the turn settles its usage.
    /// </summary>
    public async IAsyncEnumerable<CompletionPiece> StreamAsync(CompletionTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (turn)
        {
            var run = turn.Run;
            await foreach (var text in run.StreamAsync(cancellationToken))
            {
                yield return new CompletionPiece.Text(text);
            }

            var outcome = run.Outcome;
            var reply = outcome.Reply;
            var usage = new CompletionUsage(outcome.PromptTokens ?? 0, run.OutputTokens, (outcome.PromptTokens ?? 0) + run.OutputTokens);
            var ended = outcome.Failure is null && !outcome.Cancelled && !outcome.ShuttingDown;
            metrics.ReplyFinished(run.Lease.Backend.Name, ended ? "complete" : reply.Length > 0 ? "incomplete" : "failed", outcome.FirstToken, null, usage.CompletionTokens, run.Call.Route.MetricRoute);
            if (outcome.Cancelled)
            {
                yield break;
            }

            if (outcome.ShuttingDown)
            {
                yield return new CompletionPiece.Failed(ReplyFailures.ShuttingDown());
                yield break;
            }

            if (outcome.Failure is { } failure)
            {
                logger.LogWarning(failure, "A completion failed after {Chars} characters.", reply.Length);
                yield return new CompletionPiece.Failed(ReplyFailures.Describe(failure));
                yield break;
            }

            var calls = turn.ParallelToolCalls ? outcome.ToolCalls : [.. outcome.ToolCalls.Take(1)];
            for (var i = 0; i < calls.Count; i++)
            {
                yield return new CompletionPiece.ToolCalled(i, calls[i]);
            }

            // Ollama ends a reply that calls tools with "stop"; OpenAI's callers look for "tool_calls".
            var finish = calls.Count > 0 ? "tool_calls" : outcome.FinishReason == "length" ? "length" : "stop";
            yield return new CompletionPiece.End(finish, run.ModelUsed, usage);
        }
    }
}
