using System.Globalization;
using Api.Shared;
using StackExchange.Redis;

namespace Api.Limits;

/// <summary>
/// Per-user requests per minute and concurrent streams counted in the Redis-compatible store (Garnet, Redis), so every
/// API replica sees the same counts: one atomic script per check (<c>Scripts/*.lua</c>), no read-modify-write.
/// </summary>
public sealed class SharedUserLimits(SharedStore store)
{
    private static readonly string RequestWindow = StoreScripts.Load("request-window.lua");
    private static readonly string StreamAcquire = StoreScripts.Load("stream-acquire.lua");

    /// <summary>How long a stream slot lasts if its replica dies holding it: longer than any reply may stream.</summary>
    public static readonly TimeSpan StreamLease = TimeSpan.FromMinutes(15);

    public async Task<TimeSpan?> CountRequestAsync(string userKey, int limit)
    {
        var now = store.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var wait = (long)await store.Database.ScriptEvaluateAsync(RequestWindow, [Key(userKey, "rpm")],
            [now, (long)TimeSpan.FromMinutes(1).TotalMilliseconds, limit, $"{now}-{Guid.NewGuid():N}"]);
        return wait == 0 ? null : TimeSpan.FromMilliseconds(wait);
    }

    public async Task<IDisposable?> TryStartStreamAsync(string userKey, int limit)
    {
        var id = Guid.NewGuid().ToString("N");
        var key = Key(userKey, "streams");
        var taken = (long)await store.Database.ScriptEvaluateAsync(StreamAcquire, [key],
            [store.Time.GetUtcNow().ToUnixTimeMilliseconds(), (long)StreamLease.TotalMilliseconds, limit, id]);
        return taken == 1 ? new Slot(store, key, id) : null;
    }

    private static RedisKey Key(string userKey, string what) => $"llmchat:limits:{userKey}:{what}";

    /// <summary>A stream slot in the store, given back when the reply ends (fire and forget: the lease lapses anyway).</summary>
    private sealed class Slot(SharedStore store, RedisKey key, string id) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _ = store.Database.SortedSetRemoveAsync(key, id, CommandFlags.FireAndForget);
            }
        }
    }
}
