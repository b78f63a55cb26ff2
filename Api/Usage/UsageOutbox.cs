using System.Collections.Concurrent;

namespace Api.Usage;

/// <summary>
/// Usage the store could not take when its request ended (the store was away), kept until it can: each entry is
/// written by <see cref="UsageOutboxWriter"/>, and its reservation held meanwhile, so the quota still counts it on
/// every replica. Entries do not expire. The outbox is bounded; past the bound a request's usage is lost, and logged.
/// </summary>
public sealed class UsageOutbox
{
    public const int Capacity = 50_000;

    private readonly ConcurrentQueue<(UsageRecord Record, UsageReservation Reservation)> _pending = new();

    public int Count => _pending.Count;

    public bool TryAdd(UsageRecord record, UsageReservation reservation)
    {
        if (_pending.Count >= Capacity)
        {
            return false;
        }

        _pending.Enqueue((record, reservation));
        return true;
    }

    public bool TryTake(out (UsageRecord Record, UsageReservation Reservation) entry) => _pending.TryDequeue(out entry);

    public void PutBack((UsageRecord Record, UsageReservation Reservation) entry) => _pending.Enqueue(entry);
}
