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
        var wait = (long)await store.Database.ScriptEvaluateAsync(RequestWindow, [RequestsKey(userKey)],
            [now, (long)TimeSpan.FromMinutes(1).TotalMilliseconds, limit, $"{now}-{Guid.NewGuid():N}"]);
        return wait == 0 ? null : TimeSpan.FromMilliseconds(wait);
    }

    public async Task<IDisposable?> TryStartStreamAsync(string userKey, int limit)
    {
        var id = Guid.NewGuid().ToString("N");
        var key = StreamsKey(userKey);
        var taken = (long)await store.Database.ScriptEvaluateAsync(StreamAcquire, [key],
            [store.Time.GetUtcNow().ToUnixTimeMilliseconds(), (long)StreamLease.TotalMilliseconds, limit, id]);
        return taken == 1 ? new Slot(store, key, id) : null;
    }

    /// <summary>The user's requests this minute (<c>Scripts/request-window-count.lua</c>).</summary>
    public static RedisKey RequestsKey(string userKey) => Key(userKey, "rpm");

    /// <summary>The user's open streams (<c>Scripts/stream-take.lua</c>).</summary>
    public static RedisKey StreamsKey(string userKey) => Key(userKey, "streams");

    /// <summary>A stream slot another script took (<c>model-admit.lua</c>), given back like this class's own.</summary>
    public IDisposable Adopt(string userKey, string id) => new Slot(store, StreamsKey(userKey), id);

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
