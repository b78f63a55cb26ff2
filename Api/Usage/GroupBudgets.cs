using Api.Errors;
using Api.Limits;

namespace Api.Usage;

/// <summary>The output tokens a request holds against each budget of its user's groups; released or settled together.</summary>
public sealed class GroupHold(IReadOnlyList<UsageReservation> held)
{
    public IReadOnlyList<UsageReservation> Held { get; } = held;

    public async Task ReleaseAsync()
    {
        foreach (var reservation in Held)
        {
            await reservation.ReleaseAsync();
        }
    }

    public async Task SettleAsync(long outputTokens)
    {
        foreach (var reservation in Held)
        {
            await reservation.SettleAsync(outputTokens);
        }
    }
}

/// <summary>
/// Budgets per group (<see cref="GroupBudget"/>): a group's members share its day's output tokens, on every replica at
/// once. Each budget is held as a user's day is (<see cref="UsageReservations"/>, the same scripts, under the group's own
/// keys): reserved atomically in the shared store, so a burst from the group's members on any number of replicas passes
/// the budget by nothing; settled with the real count. The store's total is seeded from the day's roll-ups (the
/// requests of users who were in the group that day). While the store is away, each replica holds the budget alone,
/// seeded from the roll-ups at each request.
/// </summary>
public sealed class GroupBudgets(UsageReservations reservations, UsageRollups rollups, TimeProvider time)
{
    /// <summary>
    /// Holds up to <paramref name="wanted"/> tokens of every budget; the tokens the request may use are the least any
    /// budget gave. Refused (<c>group_daily_tokens</c>) when one budget has nothing left; nothing is held then.
    /// </summary>
    public async Task<(GroupHold? Hold, int Tokens, ApiError? Refusal)> ReserveAsync(IReadOnlyList<GroupBudget> budgets, int wanted, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var held = new List<UsageReservation>();
        foreach (var budget in budgets)
        {
            var key = Key(budget.Group);
            var (reservation, needsTotal) = await reservations.TryReserveAsync(key, day, reservations.Shared ? null : await SeedAsync(budget.Group, day, cancellationToken), budget.DailyTokens, wanted);
            if (needsTotal)
            {
                (reservation, _) = await reservations.TryReserveAsync(key, day, await SeedAsync(budget.Group, day, cancellationToken), budget.DailyTokens, wanted);
            }

            if (reservation is null)
            {
                await new GroupHold(held).ReleaseAsync();
                var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
                return (null, 0, ApiError.Of(ErrorCodes.GroupDailyTokens, $"Your group {budget.Group} has used its {budget.DailyTokens} output tokens for today (UTC).", midnight - now));
            }

            held.Add(reservation);
            wanted = Math.Min(wanted, reservation.Tokens);
        }

        return (new GroupHold(held), wanted, null);
    }

    /// <summary>The group's output tokens today, from the roll-ups of the users who were in it.</summary>
    public async Task<long> SeedAsync(string group, DateOnly day, CancellationToken cancellationToken) =>
        (await rollups.ReadDayAsync(day, cancellationToken)).Where(r => r.Groups.Contains(group, StringComparer.OrdinalIgnoreCase)).Sum(r => r.OutputTokens);

    private static string Key(string group) => $"group:{group}";
}
