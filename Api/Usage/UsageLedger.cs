using Api.Errors;
using Api.Infrastructure;
using Api.Limits;
using Microsoft.Extensions.Options;

namespace Api.Usage;

/// <summary>
/// Every model request's tokens, whatever becomes of it: reserved at admission (its largest output, or what is left
/// of the user's day when that is less: the quota is never passed, whatever runs in parallel on any replica), settled
/// at its end with the real count whether its reply was saved, its conversation deleted or full, or it failed or was
/// cancelled. The ledger keeps route, model and key of each request (<see cref="UsageStore"/>). Reserving reads the
/// day's settled total from memory or the shared store (<see cref="UsageDayTotals"/>): only a user this replica has
/// not seen today, with no total in the store either, costs a table read before the model is called.
/// </summary>
public sealed class UsageLedger(UsageStore store, UsageReservations reservations, UsageDayTotals totals, UsageOutbox outbox, IOptions<UserLimitsOptions> limits, TimeProvider time, ILogger<UsageLedger> logger)
{
    /// <summary>How long one attempt to write a request's usage may take before it waits in the outbox.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Reserves up to <paramref name="wanted"/> output tokens of today's quota; refused once nothing is left.</summary>
    public async Task<(UsageReservation? Reservation, ApiError? Refusal)> ReserveAsync(string userKey, int wanted, CancellationToken cancellationToken, int? dailyTokens = null)
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var quota = dailyTokens ?? limits.Value.OutputTokensPerDay;
        // The day's settled total as this replica or the shared store knows it: a warm user's reservation reads no table.
        // With the store its own total counts (this replica's would miss what others settled); without, this replica's.
        var (reservation, needsTotal) = await reservations.TryReserveAsync(userKey, day, reservations.Shared ? null : totals.Known(userKey, day), quota, wanted);
        if (needsTotal)
        {
            (reservation, _) = await reservations.TryReserveAsync(userKey, day, await SeedAsync(userKey, day, cancellationToken), quota, wanted);
        }

        return reservation is not null ? (reservation, null) : (null, Exhausted(now, quota));
    }

    /// <summary>Reads the day's settled total from the ledger's row (the one read a cold user costs) and keeps it.</summary>
    public async Task<long> SeedAsync(string userKey, DateOnly day, CancellationToken cancellationToken)
    {
        var used = (await store.GetDayAsync(userKey, day, cancellationToken)).OutputTokens;
        totals.Seed(userKey, day, used);
        return used;
    }

    /// <summary>The refusal once nothing is left of the day: until midnight, UTC.</summary>
    public ApiError Exhausted(DateTimeOffset now, int? dailyTokens = null)
    {
        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        return ApiError.Of(ErrorCodes.DailyTokens, $"You have used your {dailyTokens ?? limits.Value.OutputTokensPerDay} output tokens for today (UTC).", midnight - now);
    }

    /// <summary>Records the request's real usage and gives its reservation back; the store away, the outbox keeps both.</summary>
    public async Task SettleAsync(UsageReservation reservation, UsageRecord record)
    {
        try
        {
            using var timeout = new CancellationTokenSource(WriteTimeout);
            await store.AddAsync(record, timeout.Token);
            await reservation.SettleAsync(record.OutputTokens);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            if (outbox.TryAdd(record, reservation))
            {
                logger.LogWarning("The usage of request {RequestId} ({Tokens} output tokens) waits in the outbox: {Reason}", record.RequestId, record.OutputTokens, ex.GetBaseException().Message);
            }
            else
            {
                logger.LogError(ex, "The usage of request {RequestId} ({Tokens} output tokens) is lost: the outbox is full.", record.RequestId, record.OutputTokens);
                await reservation.SettleAsync(record.OutputTokens);
            }
        }
    }
}
