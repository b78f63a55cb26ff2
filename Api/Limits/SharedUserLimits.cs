using System.Globalization;
using StackExchange.Redis;

namespace Api.Limits;

/// <summary>
/// Per-user requests per minute and concurrent streams counted in the Redis-compatible store (Garnet, Redis), so every
/// API replica sees the same counts: one atomic script per check (<c>Scripts/*.lua</c>), no read-modify-write.
/// </summary>
public sealed class SharedUserLimits(IConnectionMultiplexer store, TimeProvider time)
{
    private static readonly string RequestWindow = Script("request-window.lua");
    private static readonly string StreamAcquire = Script("stream-acquire.lua");

    /// <summary>How long a stream slot lasts if its replica dies holding it: longer than any reply may stream.</summary>
    public static readonly TimeSpan StreamLease = TimeSpan.FromMinutes(15);

    public async Task<TimeSpan?> CountRequestAsync(string userKey, int limit)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var wait = (long)await store.GetDatabase().ScriptEvaluateAsync(RequestWindow, [Key(userKey, "rpm")],
            [now, (long)TimeSpan.FromMinutes(1).TotalMilliseconds, limit, $"{now}-{Guid.NewGuid():N}"]);
        return wait == 0 ? null : TimeSpan.FromMilliseconds(wait);
    }

    public async Task<IDisposable?> TryStartStreamAsync(string userKey, int limit)
    {
        var id = Guid.NewGuid().ToString("N");
        var key = Key(userKey, "streams");
        var taken = (long)await store.GetDatabase().ScriptEvaluateAsync(StreamAcquire, [key],
            [time.GetUtcNow().ToUnixTimeMilliseconds(), (long)StreamLease.TotalMilliseconds, limit, id]);
        return taken == 1 ? new Slot(store, key, id) : null;
    }

    private static RedisKey Key(string userKey, string what) => $"llmchat:limits:{userKey}:{what}";

    private static string Script(string name)
    {
        using var stream = typeof(SharedUserLimits).Assembly.GetManifestResourceStream($"Api.Limits.Scripts.{name}")
            ?? throw new InvalidOperationException($"The script {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A stream slot in the store, given back when the reply ends (fire and forget: the lease lapses anyway).</summary>
    private sealed class Slot(IConnectionMultiplexer store, RedisKey key, string id) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _ = store.GetDatabase().SortedSetRemoveAsync(key, id, CommandFlags.FireAndForget);
            }
        }
    }
}
