using System.Collections.Concurrent;

namespace Api.Usage;

/// <summary>
/// The output tokens each user has settled today, as this replica knows them: seeded from the ledger's day row (the one
/// read a cold user costs), then kept by every request this replica settles. Without the shared store (or while it is
/// away) reserving reads them here, so a warm user's request waits for no table; a total read more than
/// <see cref="FreshFor"/> ago is read again, so what other replicas settled meanwhile counts within that time. With the
/// store, the store's total counts (every replica adds to it, and it too is read again from the ledger after
/// <see cref="FreshFor"/>). Yesterday's totals go when a new day starts.
/// </summary>
public sealed class UsageDayTotals
{
    /// <summary>How many users' totals are kept; past it the oldest day's are dropped and read again when needed.</summary>
    public const int Capacity = 200_000;

    /// <summary>How long a total read from the ledger is trusted before it is read again.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<(string User, DateOnly Day), long> _totals = new();
    private readonly ConcurrentDictionary<(string User, DateOnly Day), long> _readAt = new();
    private readonly TimeProvider _time;
    private int _today;

    public UsageDayTotals(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>The user's settled tokens for the day, when this replica read them from the ledger lately and counted its own since.</summary>
    public long? Known(string userKey, DateOnly day) =>
        _totals.TryGetValue((userKey, day), out var used) && _readAt.TryGetValue((userKey, day), out var read)
            && _time.GetElapsedTime(read) < FreshFor ? used : null;

    /// <summary>Seeds the total read from the ledger; a count this replica already holds is kept when it is higher.</summary>
    public void Seed(string userKey, DateOnly day, long used)
    {
        DropOtherDays(day);
        _totals.AddOrUpdate((userKey, day), used, (_, held) => Math.Max(held, used));
        _readAt[(userKey, day)] = _time.GetTimestamp();
    }

    /// <summary>A request settled: its tokens join the total (or the store's total replaces it, when it answered one).</summary>
    public void Settled(string userKey, DateOnly day, long tokens, long? storeTotal)
    {
        if (storeTotal is { } total)
        {
            // The store's total is every replica's: as good as a fresh read.
            _totals.AddOrUpdate((userKey, day), total, (_, held) => Math.Max(held, total));
            _readAt[(userKey, day)] = _time.GetTimestamp();
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
                _readAt.TryRemove(key, out _);
            }
        }
    }
}
