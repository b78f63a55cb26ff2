using Api.Llm;
using Api.Shared;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Api.Usage;

/// <summary>
/// The output tokens held for requests in progress, per user and day, beside the day's settled total: in the shared
/// store, so every replica's requests count against the same quota (<c>Scripts/usage-reserve.lua</c>, settled by
/// <c>Scripts/usage-settle.lua</c>); while the store is away, by this replica alone. A reservation lapses by itself
/// after the longest a reply may stream, so one a dead replica held frees up.
/// </summary>
public sealed class UsageReservations(SharedStore store, UsageDayTotals totals, IOptions<LlmOptions> llm, TimeProvider time)
{
    /// <summary>
    /// How long the store keeps a day's settled total before it is read again from the ledger: what the store missed
    /// (settled while it was away, or between a seed's read and its write) counts again within this time.
    /// </summary>
    public static readonly TimeSpan TotalLives = UsageDayTotals.FreshFor;

    private static readonly string Reserve = StoreScripts.Load("usage-reserve.lua");
    private static readonly string Settle = StoreScripts.Load("usage-settle.lua");
    private readonly Dictionary<string, List<(string Id, int Tokens, DateTimeOffset Lapses)>> _local = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How long a reservation lives if nobody settles it: any reply's longest stream, and time to save it.</summary>
    public TimeSpan Lease => llm.Value.Resilience.MaxStreamDuration + TimeSpan.FromMinutes(5);

    /// <summary>Whether reservations are made in the shared store now (its total counts, not this replica's).</summary>
    public bool Shared => store.Usable;

    /// <summary>
    /// Holds up to <paramref name="wanted"/> tokens of the day's <paramref name="quota"/> beside the <paramref name="used"/>
    /// ones; fewer when less is left, null when nothing is.
    /// </summary>
    public async Task<UsageReservation?> ReserveAsync(string userKey, DateOnly day, long used, int quota, int wanted) =>
        (await TryReserveAsync(userKey, day, used, quota, wanted)).Reservation;

    /// <summary>
    /// As <see cref="ReserveAsync"/>, with the settled total known only when <paramref name="used"/> is (pass only a
    /// total read from the ledger, or this replica's own count while the store is away): the store's own total counts
    /// when it holds one. <c>NeedsTotal</c>: neither knows it; read the ledger and ask again.
    /// </summary>
    public async Task<(UsageReservation? Reservation, bool NeedsTotal)> TryReserveAsync(string userKey, DateOnly day, long? used, int quota, int wanted)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        if (store.Usable)
        {
            try
            {
                RedisKey[] keys = [Key(userKey, day), TotalKey(userKey, day)];
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var tokens = (int)(long)await store.Database.ScriptEvaluateAsync(Reserve, keys,
                    [now, (long)Lease.TotalMilliseconds, used ?? -1, quota, wanted, id, (long)TotalLives.TotalMilliseconds]);
                if (tokens < 0)
                {
                    return (null, true);
                }

                return (tokens < 1 ? null : new UsageReservation(userKey, day, id, tokens,
                    () => ReleaseShared(keys[0], $"{id}:{tokens}"),
                    settled => SettleShared(keys, userKey, day, $"{id}:{tokens}", settled)), false);
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "reserving a user's tokens");
            }
        }

        return used is { } known ? (ReserveLocal(userKey, day, known, quota, wanted, id), false) : (null, true);
    }

    /// <summary>The keys and arguments of a reservation made by another script (<c>model-admit.lua</c>): the user's reservations and settled total; lease, seed, quota, wanted, id, the total's life.</summary>
    public (RedisKey[] Keys, RedisValue[] Arguments, string Id) SharedArguments(string userKey, DateOnly day, long? used, int quota, int wanted)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        return ([Key(userKey, day), TotalKey(userKey, day)], [(long)Lease.TotalMilliseconds, used ?? -1, quota, wanted, id, (long)TotalLives.TotalMilliseconds], id);
    }

    /// <summary>A reservation another script made: released and settled like this class's own.</summary>
    public UsageReservation Adopt(string userKey, DateOnly day, string id, int tokens)
    {
        RedisKey[] keys = [Key(userKey, day), TotalKey(userKey, day)];
        return new UsageReservation(userKey, day, id, tokens, () => ReleaseShared(keys[0], $"{id}:{tokens}"), settled => SettleShared(keys, userKey, day, $"{id}:{tokens}", settled));
    }

    private UsageReservation? ReserveLocal(string userKey, DateOnly day, long used, int quota, int wanted, string id)
    {
        var key = Key(userKey, day);
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var held = _local.TryGetValue(key, out var list) ? list : _local[key] = [];
            held.RemoveAll(r => r.Lapses <= now);
            var left = quota - used - held.Sum(r => (long)r.Tokens);
            if (left < 1)
            {
                return null;
            }

            var tokens = (int)Math.Min(wanted, left);
            held.Add((id, tokens, now + Lease));
            Task Release()
            {
                lock (_lock)
                {
                    held.RemoveAll(r => r.Id == id);
                    if (held.Count == 0)
                    {
                        _local.Remove(key);
                    }
                }

                return Task.CompletedTask;
            }

            return new UsageReservation(userKey, day, id, tokens, Release, settled =>
            {
                // One step under the lock: no other request of this replica sees the tokens in neither place.
                lock (_lock)
                {
                    totals.Settled(userKey, day, settled, storeTotal: null);
                    return Release();
                }
            });
        }
    }

    private Task ReleaseShared(RedisKey key, string member)
    {
        // Fire and forget: a release that does not arrive lapses with its lease.
        try
        {
            _ = store.Database.SortedSetRemoveAsync(key, member, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            store.Failed(ex, "releasing a user's reserved tokens");
        }

        return Task.CompletedTask;
    }

    private async Task SettleShared(RedisKey[] keys, string userKey, DateOnly day, string member, long settled)
    {
        long? total = null;
        try
        {
            var answer = (long)await store.Database.ScriptEvaluateAsync(Settle, keys, [member, settled]);
            total = answer < 0 ? null : answer;
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            // The reservation lapses with its lease; the ledger's row holds the tokens, and this replica counts them.
            store.Failed(ex, "settling a user's reserved tokens");
        }

        totals.Settled(userKey, day, settled, total);
    }

    private static string Key(string userKey, DateOnly day) => $"llmchat:usage:{userKey}:{day:yyyyMMdd}";

    private static string TotalKey(string userKey, DateOnly day) => $"llmchat:usage:{userKey}:{day:yyyyMMdd}:settled";
}
