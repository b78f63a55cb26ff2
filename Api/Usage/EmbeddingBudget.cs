using Api.Errors;
using Api.Limits;
using Microsoft.Extensions.Options;

namespace Api.Usage;

/// <summary>
/// The input tokens a user may embed a day (<see cref="UserLimitsOptions.EmbeddingTokensPerDay"/>), apart from the
/// output tokens of chat: held as a user's day is (<see cref="UsageReservations"/>, the same scripts, under a key of
/// the user's own for embeddings), so parallel requests on any replica cannot pass it; each request holds the
/// conservative estimate of its inputs (<see cref="Llm.TokenEstimator"/>) and settles with what the model read. The
/// store's total is seeded from the day row's <c>EmbeddingTokens</c>, which the ledger adds each embedding to.
/// </summary>
public sealed class EmbeddingBudget(UsageReservations reservations, UsageDayTotals totals, UsageStore store, IOptions<UserLimitsOptions> limits, TimeProvider time)
{
    /// <summary>Holds <paramref name="tokens"/> of the user's day for embeddings: all of them, or none and the refusal.</summary>
    public async Task<(UsageReservation? Hold, ApiError? Refusal)> ReserveAsync(string userKey, int tokens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var quota = limits.Value.EmbeddingTokensPerDay;
        var key = Key(userKey);
        var (hold, needsTotal) = await reservations.TryReserveAsync(key, day, reservations.Shared ? null : totals.Known(key, day), quota, tokens);
        if (needsTotal)
        {
            var used = (await store.GetDayAsync(userKey, day, cancellationToken)).EmbeddingTokens;
            totals.Seed(key, day, used);
            (hold, _) = await reservations.TryReserveAsync(key, day, used, quota, tokens);
        }

        if (hold is { } partial && partial.Tokens < tokens)
        {
            // An embedding cannot be made of part of its inputs: less left than it needs is nothing left.
            await partial.ReleaseAsync();
            hold = null;
        }

        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        return hold is not null
            ? (hold, null)
            : (null, ApiError.Of(ErrorCodes.DailyEmbeddingTokens, $"This request's inputs (about {tokens} tokens) do not fit what is left of your {quota} embedding tokens for today (UTC).", midnight - now));
    }

    /// <summary>The key the user's embedding tokens are held under, apart from their output tokens.</summary>
    private static string Key(string userKey) => userKey + "|embeddings";
}
