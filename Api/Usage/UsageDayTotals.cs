using System.Collections.Concurrent;

namespace Api.Usage;

/// <summary>
/// The output tokens each user has settled today, as this replica knows them: seeded once from the ledger's day row
/// (the one read a cold user costs), then kept by every request this replica settles. Reserving reads them here, so a
/// warm user's request waits for no table. With the shared store the store's total counts (every replica adds to it)
/// and this one only seeds it; without one, it is the replica's own count. Yesterday's totals go when a new day starts.
/// </summary>
public sealed class UsageDayTotals
{
    /// <summary>How many users' totals are kept; past it the oldest day's are dropped and read again when needed.</summary>
    public const int Capacity = 200_000;

    private readonly ConcurrentDictionary<(string User, DateOnly Day), long> _totals = new();
    private int _today;

    /// <summary>The user's settled tokens for the day, when this replica knows them.</summary>
    public long? Known(string userKey, DateOnly day) => _totals.TryGetValue((userKey, day), out var used) ? used : null;

    /// <summary>Seeds the total read from the ledger; a count this replica already holds is kept when it is higher.</summary>
    public void Seed(string userKey, DateOnly day, long used)
    {
        DropOtherDays(day);
        _totals.AddOrUpdate((userKey, day), used, (_, held) => Math.Max(held, used));
    }

    /// <summary>A request settled: its tokens join the total (or the store's total replaces it, when it answered one).</summary>
    public void Settled(string userKey, DateOnly day, long tokens, long? storeTotal)
    {
        if (storeTotal is { } total)
        {
            _totals.AddOrUpdate((userKey, day), total, (_, held) => Math.Max(held, total));
        }
        else
        {
            // Known or not: a total this replica never read stays unknown (the next request reads the ledger).
            while (_totals.TryGetValue((userKey, day), out var held) && !_totals.TryUpdate((userKey, day), held + tokens, held))
            {
            }
        }
    }

    private void DropOtherDays(DateOnly today)
    {
        var newDay = Interlocked.Exchange(ref _today, today.DayNumber) != today.DayNumber;
        if (!newDay && _totals.Count < Capacity)
        {
            return;
        }

        foreach (var key in _totals.Keys)
        {
            if (key.Day != today || _totals.Count >= Capacity)
            {
                _totals.TryRemove(key, out _);
            }
        }
    }
}
