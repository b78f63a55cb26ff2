namespace Api.Usage;

/// <summary>
/// Output tokens held against a user's day from admission until the request settles: the request may generate at
/// most <see cref="Tokens"/>. Held in the shared store (every replica counts it) or, while the store is away, by this
/// replica alone; a reservation nobody settles lapses by itself.
/// </summary>
public sealed class UsageReservation(string userKey, DateOnly day, string id, int tokens, Func<Task> release, Func<long, Task> settle)
{
    private int _released;

    public string UserKey { get; } = userKey;

    public DateOnly Day { get; } = day;

    /// <summary>Also the request's id in the ledger.</summary>
    public string Id { get; } = id;

    public int Tokens { get; } = tokens;

    public bool Released => Volatile.Read(ref _released) == 1;

    /// <summary>Gives the reservation back (once) with nothing used: the request never reached the model.</summary>
    public Task ReleaseAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? release() : Task.CompletedTask;

    /// <summary>Gives the reservation back (once) as the <paramref name="outputTokens"/> the request used: they join the day's total in the same step.</summary>
    public Task SettleAsync(long outputTokens) => Interlocked.Exchange(ref _released, 1) == 0 ? settle(outputTokens) : Task.CompletedTask;
}
