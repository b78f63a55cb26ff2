using System.Runtime.CompilerServices;
using Api.Llm;
using Api.Safety;
using Microsoft.Extensions.Options;

namespace Api.Streaming;

/// <summary>
/// Reads a model's reply through the leak guard, for every route that streams one (chat turns, OpenAI completions):
/// the safe text as it comes, and in <see cref="ReplyOutcome"/> how it ended: finished, failed, cancelled by the caller,
/// cut by the guard (the upstream call closes at once), or stopped by the shutdown drain.
/// </summary>
public sealed class GuardedReplyReader(LlmGateway gateway, ShutdownDrain drain, SystemPromptProvider prompts, LlmMetrics metrics, IOptions<SafetyOptions> safetyOptions, ILoggerFactory loggerFactory)
{
    private readonly ILogger _security = loggerFactory.CreateLogger(SecurityEvents.Category);

    /// <summary>The reply's safe text; <paramref name="outcome"/> is filled as it streams and says how it ended.</summary>
    /// <param name="revoked">Cancelled when the API key the request was signed in with is revoked: the reply fails.</param>
    internal async IAsyncEnumerable<string> ReadAsync(LlmLease lease, LlmRequest request, ReplyOutcome outcome, string userId, string where, [EnumeratorCancellation] CancellationToken cancellation, CancellationToken revoked = default)
    {
        var guard = new OutputLeakGuard(prompts.Canary, prompts.SystemPrompt, safetyOptions.Value.LeakSpanChars);
        // The model call ends when the caller cancels, when the shutdown drain runs out, or when the caller's key is revoked.
        using var callEnds = CancellationTokenSource.CreateLinkedTokenSource(cancellation, drain.StreamsMustEnd, revoked);
        await using (var upstream = gateway.StreamAsync(lease, request, callEnds.Token).GetAsyncEnumerator(callEnds.Token))
        {
            while (true)
            {
                LlmChunk chunk;
                try
                {
                    if (!await upstream.MoveNextAsync())
                    {
                        break;
                    }

                    chunk = upstream.Current;
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    outcome.Cancelled = true;
                    break;
                }
                catch (Exception) when (drain.StreamsMustEnd.IsCancellationRequested)
                {
                    outcome.ShuttingDown = true;
                    break;
                }
                catch (Exception) when (revoked.IsCancellationRequested)
                {
                    outcome.Failure = new Keys.ApiKeyRevokedException();
                    break;
                }
                catch (Exception ex)
                {
                    outcome.Failure = ex;
                    break;
                }

                outcome.PromptTokens = chunk.PromptTokens ?? outcome.PromptTokens;
                outcome.CompletionTokens = chunk.CompletionTokens ?? outcome.CompletionTokens;
                outcome.FinishReason = chunk.FinishReason ?? outcome.FinishReason;
                if (chunk.Text is { Length: > 0 } || chunk.ToolCalls is { Count: > 0 })
                {
                    outcome.Chunks++;
                }

                if (chunk.ToolCalls is { } calls && LeakIn(calls, prompts, safetyOptions.Value.LeakSpanChars) is var callLeak)
                {
                    outcome.FirstToken ??= outcome.Stopwatch.Elapsed;
                    if (callLeak != LeakKind.None)
                    {
                        SecurityEvents.OutputLeakBlocked(_security, userId, where, callLeak);
                        metrics.SafetyFlag(callLeak == LeakKind.Canary ? "canary_leak" : "system_prompt_leak");
                        outcome.Failure = new OutputBlockedException(callLeak);
                        break;
                    }

                    outcome.ToolCalls.AddRange(calls);
                }

                if (chunk.Text is not { Length: > 0 } text)
                {
                    continue;
                }

                outcome.FirstToken ??= outcome.Stopwatch.Elapsed;
                var safe = guard.Append(text);
                if (safe.Length > 0)
                {
                    outcome.Reply.Append(safe);
                    yield return safe;
                }

                if (guard.Leak != LeakKind.None)
                {
                    // Leaving the loop disposes the upstream stream: Ollama stops generating.
                    SecurityEvents.OutputLeakBlocked(_security, userId, where, guard.Leak);
                    metrics.SafetyFlag(guard.Leak == LeakKind.Canary ? "canary_leak" : "system_prompt_leak");
                    outcome.Failure = new OutputBlockedException(guard.Leak);
                    break;
                }
            }
        }

        if (outcome.Failure is null && !outcome.Cancelled && !outcome.ShuttingDown && guard.Flush() is { Length: > 0 } tail)
        {
            outcome.Reply.Append(tail);
            yield return tail;
        }
    }

    /// <summary>A call's name and arguments pass the same guard as text: a model must not hand the canary or our prompt to a tool.</summary>
    private static LeakKind LeakIn(IReadOnlyList<ToolCall> calls, SystemPromptProvider prompts, int leakSpanChars)
    {
        foreach (var call in calls)
        {
            var guard = new OutputLeakGuard(prompts.Canary, prompts.SystemPrompt, leakSpanChars);
            guard.Append(call.Name);
            guard.Append(" ");
            guard.Append(call.ArgumentsJson);
            guard.Flush();
            if (guard.Leak != LeakKind.None)
            {
                return guard.Leak;
            }
        }

        return LeakKind.None;
    }
}
