using Api.Conversations;
using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>Writes the outbox's turns, oldest first, retrying each while the store is unreachable and it is young enough.</summary>
public sealed class TurnOutboxWriter(TurnOutbox outbox, ConversationStore store, IOptions<TurnPersistenceOptions> options, TimeProvider time, ILogger<TurnOutboxWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var turn in outbox.ReadAllAsync(stoppingToken))
            {
                await WriteAsync(turn, stoppingToken);
                outbox.Done();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (outbox.Pending > 0)
            {
                logger.LogError("Stopping with {Count} turn(s) still waiting for the conversation store: they are lost.", outbox.Pending);
            }
        }
    }

    private async Task WriteAsync(PendingTurn turn, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(options.Value.WriteTimeout);
                await store.AppendTurnAsync(turn.UserKey, turn.Conversation, turn.Write, timeout.Token);
                logger.LogInformation("A turn of conversation {ConversationId} set aside {Age} ago is saved.", turn.Conversation.Id, time.GetUtcNow() - turn.DeferredAt);
                return;
            }
            catch (Exception ex) when (ex is ConversationDeletedException or ConversationFullException)
            {
                logger.LogWarning("A set-aside turn of conversation {ConversationId} is dropped: {Reason}", turn.Conversation.Id, ex.Message);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && (StorageFailures.IsUnavailable(ex) || ex is OperationCanceledException or ConversationBusyException))
            {
                if (time.GetUtcNow() - turn.DeferredAt > options.Value.OutboxMaxAge)
                {
                    logger.LogError(ex, "A turn of conversation {ConversationId} could not be saved within {MaxAge}: it is lost.", turn.Conversation.Id, options.Value.OutboxMaxAge);
                    return;
                }

                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.OutboxMaxDelay.Ticks));
            }
        }
    }
}
