using Api.Conversations;
using Api.Llm;
using Api.Safety;
using Api.Streaming;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// The end of a turn, whatever way its reply ended: gives the model's slot back, records the metrics, names the
/// conversation (the title is a model request of its own, through the pipeline), writes the turn once
/// (<see cref="TurnRecorder"/>), and returns the stream's last event (<c>done</c>, or <c>error</c> with a code). The
/// turn's usage is not part of that write: the ledger settles it whatever becomes of the turn.
/// </summary>
public sealed class TurnCompletion(TitleGenerator titles, TurnRecorder recorder, ConversationHistoryCache historyCache, LlmMetrics metrics, IOptions<ConversationOptions> conversationOptions, TimeProvider time, ILogger<TurnCompletion> logger)
{
    internal async Task<ChatEvent?> CompleteAsync(PreparedTurn turn, CancellationToken requestAborted)
    {
        var outcome = turn.Run.Outcome;
        // The reply has ended: its model slot is free for others (and for this turn's title).
        turn.Run.ReleaseModel();
        var failure = outcome.Failure;
        var interrupted = outcome.Cancelled || outcome.ShuttingDown;
        var reply = outcome.Reply.ToString();
        var backend = turn.Lease.Backend;
        // The model that answered, by its id: the requested one, or its fallback when that served.
        var model = backend.Name;
        var fellBack = turn.Lease.FellBack;
        var total = outcome.Stopwatch.Elapsed;
        var status = failure is null && !interrupted ? MessageStatus.Complete
            : reply.Length > 0 ? MessageStatus.Incomplete
            : MessageStatus.Failed;
        var completionTokens = outcome.OutputTokens;
        var promptTokens = outcome.PromptTokens;
        var tokensPerSecond = TokensPerSecond(completionTokens, outcome.FirstToken, total);
        metrics.ReplyFinished(backend.Name, status.ToString().ToLowerInvariant(), outcome.FirstToken, tokensPerSecond, completionTokens);

        if (failure is not null and not OutputBlockedException)
        {
            logger.LogWarning(failure, "The reply in conversation {ConversationId} failed after {Chars} characters.", turn.Conversation.Id, reply.Length);
        }

        if (outcome.Cancelled && turn.StopReason == Replies.StopReasons.Deleted)
        {
            // Stopped because its conversation is being deleted: nothing to save (the write would race the delete),
            // no title to ask for; its usage is settled all the same.
            return new ChatEvent.Error(TurnNotSaved.Describe(TurnRecordStatus.Deleted, conversationOptions.Value.MaxMessagesPerConversation)!);
        }

        string? title = null;
        var titleIsFinal = false;
        if (turn.NeedsTitle && turn.UserMessage is not null)
        {
            if (status == MessageStatus.Complete)
            {
                title = await titles.GenerateAsync(turn.User, turn.UserMessage, reply, model, requestAborted);
                titleIsFinal = true;
            }
            else if (turn.Conversation.MessageCount == 0)
            {
                // Provisional: the next complete reply replaces it with the model's title.
                title = TitleGenerator.Fallback(turn.UserMessage);
            }
        }

        var now = time.GetUtcNow();
        var error = failure is not null ? ReplyFailures.Describe(failure).Kind.Title
            : outcome.ShuttingDown ? "The server restarted during the reply."
            : outcome.Cancelled ? turn.StopReason ?? "The reply was cancelled."
            : null;
        var assistant = new StoredMessage(
            Id: string.Empty,
            Sequence: turn.ReplacedAssistant?.Sequence ?? -1,
            Role: MessageRoles.Assistant,
            Content: reply,
            Status: status,
            CreatedAt: now,
            Model: model,
            PromptTokens: promptTokens,
            CompletionTokens: completionTokens,
            TimeToFirstTokenMs: outcome.FirstToken?.TotalMilliseconds,
            TokensPerSecond: tokensPerSecond,
            Fallback: fellBack,
            Error: error);
        // The user's message keeps the model it asked for: the conversation's model, which the web picks again on opening it.
        var user = turn.UserMessage is null ? null : new StoredMessage(string.Empty, -1, MessageRoles.User, turn.UserMessage, MessageStatus.Complete, turn.StartedAt, Model: turn.Lease.Requested.Name, InjectionFlagged: turn.InjectionFlagged);

        var record = await recorder.RecordAsync(turn.User.PartitionKey, turn.Conversation, new TurnWrite(user, assistant, turn.ReplacedAssistant is not null, title, titleIsFinal));
        KeepHistoryWarm(turn, record, user, assistant);
        if (TurnNotSaved.Describe(record.Status, conversationOptions.Value.MaxMessagesPerConversation) is { } notSaved)
        {
            return new ChatEvent.Error(notSaved);
        }

        var saved = record.Saved!;
        var messageId = (turn.ReplacedAssistant?.Sequence ?? saved.NextSequence - 1).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        if (outcome.ShuttingDown)
        {
            return new ChatEvent.Error(ReplyFailures.ShuttingDown().With("messageId", messageId).With("partial", reply.Length > 0));
        }

        if (failure is not null)
        {
            return new ChatEvent.Error(ReplyFailures.Describe(failure).With("messageId", messageId).With("partial", reply.Length > 0).With("fallback", fellBack));
        }

        return new ChatEvent.Done(new DoneEvent(
            saved.Id,
            messageId,
            // A cancelled reply ends with what it had: kept, marked incomplete.
            outcome.Cancelled ? "incomplete" : "complete",
            model,
            fellBack,
            new UsageDto(promptTokens, completionTokens),
            new TimingsDto(outcome.FirstToken?.TotalMilliseconds, tokensPerSecond, total.TotalMilliseconds),
            title,
            turn.InjectionFlagged));
    }

    /// <summary>
    /// The history after this turn, for the conversation's next turn on this replica: only when this write came right
    /// after the version the turn read (no other write between), so the snapshot is exactly what is stored.
    /// </summary>
    private void KeepHistoryWarm(PreparedTurn turn, TurnRecord record, StoredMessage? user, StoredMessage assistant)
    {
        var added = (user is null ? 0 : 1) + (turn.ReplacedAssistant is null ? 1 : 0);
        if (record is not { Status: TurnRecordStatus.Saved, Saved: { } saved } || saved.NextSequence != turn.Conversation.NextSequence + added)
        {
            historyCache.Remove(turn.User.PartitionKey, turn.Conversation.Id);
            return;
        }

        var messages = new List<StoredMessage>(turn.History.Count + 2);
        messages.AddRange(turn.History);
        if (turn.ReplacedAssistant is { } replaced)
        {
            messages[^1] = assistant with { Sequence = replaced.Sequence, Id = ConversationEntities.MessageId(replaced.Sequence) };
        }
        else
        {
            var sequence = saved.NextSequence - added;
            if (user is not null)
            {
                messages.Add(user with { Sequence = sequence, Id = ConversationEntities.MessageId(sequence) });
                sequence++;
            }

            messages.Add(assistant with { Sequence = sequence, Id = ConversationEntities.MessageId(sequence) });
        }

        historyCache.Set(turn.User.PartitionKey, turn.Conversation.Id, new HistorySnapshot(saved.ETag, messages, saved));
    }

    private static double? TokensPerSecond(int? completionTokens, TimeSpan? firstToken, TimeSpan total)
    {
        if (completionTokens is not > 1 || firstToken is null)
        {
            return null;
        }

        var generating = total - firstToken.Value;
        return generating > TimeSpan.FromMilliseconds(1) ? Math.Round((completionTokens.Value - 1) / generating.TotalSeconds, 2) : null;
    }
}
