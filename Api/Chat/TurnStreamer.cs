using System.Runtime.CompilerServices;
using Api.Llm;
using Api.Safety;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// Streams an admitted turn: the model's tokens through the leak guard, as <see cref="ChatEvent"/>s for the SSE writer,
/// until the model finishes, fails, the client leaves, a leak is caught, or the shutdown drain runs out; then
/// <see cref="TurnCompletion"/> writes the turn and says how the stream ends.
/// </summary>
public sealed class TurnStreamer(
    LlmGateway gateway,
    TurnCompletion completion,
    ShutdownDrain drain,
    SystemPromptProvider prompts,
    LlmMetrics metrics,
    IOptions<SafetyOptions> safetyOptions,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _security = loggerFactory.CreateLogger(SecurityEvents.Category);

    /// <summary>
    /// Streams the reply. When the reply is cancelled the upstream call ends and the partial reply is kept as
    /// <c>incomplete</c>; a broken stream keeps it too and ends with an <c>error</c> event; a leak ends it at once.
    /// The turn is saved whichever way it ends, including when the caller stops reading (the client hung up).
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> StreamAsync(PreparedTurn turn, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var outcome = new TurnOutcome();
        var guard = new OutputLeakGuard(prompts.Canary, prompts.SystemPrompt, safetyOptions.Value.LeakSpanChars);
        var finished = false;
        // The model call ends when the reply is cancelled (its user, or nobody reading it), or when the shutdown drain runs out.
        using var callEnds = CancellationTokenSource.CreateLinkedTokenSource(cancellation, drain.StreamsMustEnd);
        try
        {
            await using (var upstream = gateway.StreamAsync(turn.Lease, turn.Request, callEnds.Token).GetAsyncEnumerator(callEnds.Token))
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
                    catch (Exception ex)
                    {
                        outcome.Failure = ex;
                        break;
                    }

                    outcome.PromptTokens = chunk.PromptTokens ?? outcome.PromptTokens;
                    outcome.CompletionTokens = chunk.CompletionTokens ?? outcome.CompletionTokens;
                    if (chunk.Text is not { Length: > 0 } text)
                    {
                        continue;
                    }

                    outcome.FirstToken ??= outcome.Stopwatch.Elapsed;
                    var safe = guard.Append(text);
                    if (safe.Length > 0)
                    {
                        outcome.Reply.Append(safe);
                        yield return new ChatEvent.Delta(safe);
                    }

                    if (guard.Leak != LeakKind.None)
                    {
                        // Leaving the loop disposes the upstream stream: Ollama stops generating.
                        SecurityEvents.OutputLeakBlocked(_security, turn.User.Id, turn.Conversation.Id, guard.Leak);
                        metrics.SafetyFlag(guard.Leak == LeakKind.Canary ? "canary_leak" : "system_prompt_leak");
                        outcome.Failure = new OutputBlockedException(guard.Leak);
                        break;
                    }
                }
            }

            if (outcome.Failure is null && !outcome.Cancelled && !outcome.ShuttingDown && guard.Flush() is { Length: > 0 } tail)
            {
                outcome.Reply.Append(tail);
                yield return new ChatEvent.Delta(tail);
            }

            finished = true;
            if (await completion.CompleteAsync(turn, outcome, cancellation) is { } last)
            {
                yield return last;
            }
        }
        finally
        {
            if (!finished)
            {
                // The caller stopped reading: the client is gone. Save what was sent.
                outcome.Cancelled = true;
                await completion.CompleteAsync(turn, outcome, CancellationToken.None);
            }

            turn.Dispose();
        }
    }
}
