using Api.Llm;
using Api.Shared;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Api.Usage;

/// <summary>
/// The output tokens held for requests in progress, per user and day: in the shared store, so every replica's
/// requests count against the same quota (<c>Scripts/usage-reserve.lua</c>); while the store is away, by this replica
/// alone. A reservation lapses by itself after the longest a reply may stream, so one a dead replica held frees up.
/// </summary>
public sealed class UsageReservations(SharedStore store, IOptions<LlmOptions> llm, TimeProvider time)
{
    private static readonly string Reserve = StoreScripts.Load("usage-reserve.lua");
    private readonly Dictionary<string, List<(string Id, int Tokens, DateTimeOffset Lapses)>> _local = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How long a reservation lives if nobody settles it: any reply's longest stream, and time to save it.</summary>
    public TimeSpan Lease => llm.Value.Resilience.MaxStreamDuration + TimeSpan.FromMinutes(5);

    /// <summary>
    /// Holds up to <paramref name="wanted"/> tokens of the day's <paramref name="quota"/> beside the <paramref name="used"/>
    /// ones; fewer when less is left, null when nothing is.
    /// </summary>
    public async Task<UsageReservation?> ReserveAsync(string userKey, DateOnly day, long used, int quota, int wanted)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        if (store.Usable)
        {
            try
            {
                var key = Key(userKey, day);
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var tokens = (int)(long)await store.Database.ScriptEvaluateAsync(Reserve, [key], [now, (long)Lease.TotalMilliseconds, used, quota, wanted, id]);
                return tokens < 1 ? null : new UsageReservation(userKey, day, id, tokens, () => ReleaseShared(key, $"{id}:{tokens}"));
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "reserving a user's tokens");
            }
        }

        return ReserveLocal(userKey, day, used, quota, wanted, id);
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
            return new UsageReservation(userKey, day, id, tokens, () =>
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

    private static string Key(string userKey, DateOnly day) => $"llmchat:usage:{userKey}:{day:yyyyMMdd}";
}
