using Api.Infrastructure;

namespace Api.Usage;

/// <summary>Writes the usage the outbox holds every few seconds, oldest first, until the store takes it; and once more at shutdown.</summary>
public sealed class UsageOutboxWriter(UsageOutbox outbox, UsageStore store, TimeProvider time, ILogger<UsageOutboxWriter> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
        if (outbox.Count > 0)
        {
            logger.LogError("{Count} requests' usage could not be written before shutdown.", outbox.Count);
        }
    }

    /// <summary>Writes what it can; stops at the first failure (the store is still away) and keeps the rest.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        for (var left = outbox.Count; left > 0 && outbox.TryTake(out var entry); left--)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(UsageLedger.WriteTimeout);
                await store.AddAsync(entry.Record, timeout.Token);
                await entry.Reservation.SettleAsync(entry.Record.OutputTokens);
            }
            catch (Exception ex) when (StorageFailures.IsUnavailable(ex) || ex is OperationCanceledException)
            {
                outbox.PutBack(entry);
                return;
            }
        }
    }
}
