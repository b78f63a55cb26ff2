using System.Collections.Concurrent;

namespace Api.Keys;

/// <summary>
/// The model calls running on this replica for requests signed in with an API key, by key: revoking a key ends them
/// (on every replica at once when the shared store carries the word, <see cref="KeyRevocations"/>; else within
/// <see cref="ApiKeyOptions.CacheDuration"/> on the others, whose <see cref="RevokedKeyWatcher"/> sees the key gone).
/// </summary>
public sealed class RunningKeyCalls
{
    private readonly ConcurrentDictionary<string, KeyCalls> _keys = new(StringComparer.Ordinal);

    /// <summary>The keys with calls running now, and their owners' partitions.</summary>
    public IReadOnlyList<(string UserKey, string KeyId)> Keys => [.. _keys.Select(k => (k.Value.UserKey, k.Key))];

    /// <summary>Registers a call; its token is cancelled when the key is revoked. Dispose when the call ends.</summary>
    public Registration Register(string userKey, string keyId)
    {
        var call = new Registration(this, keyId);
        _keys.AddOrUpdate(keyId, _ => new KeyCalls(userKey, call), (_, existing) => existing.Add(call));
        return call;
    }

    /// <summary>Ends every call running with the key; the number ended.</summary>
    public int Revoke(string keyId)
    {
        if (!_keys.TryRemove(keyId, out var calls))
        {
            return 0;
        }

        var ended = 0;
        foreach (var call in calls.Calls.Keys)
        {
            call.Revoke();
            ended++;
        }

        return ended;
    }

    private void Remove(string keyId, Registration call)
    {
        if (_keys.TryGetValue(keyId, out var calls))
        {
            calls.Calls.TryRemove(call, out _);
            if (calls.Calls.IsEmpty)
            {
                ((ICollection<KeyValuePair<string, KeyCalls>>)_keys).Remove(new KeyValuePair<string, KeyCalls>(keyId, calls));
            }
        }
    }

    public sealed class Registration(RunningKeyCalls owner, string keyId) : IDisposable
    {
        private readonly CancellationTokenSource _revoked = new();
        private int _disposed;

        /// <summary>Cancelled when the key is revoked.</summary>
        public CancellationToken Revoked => _revoked.Token;

        internal void Revoke()
        {
            try
            {
                _revoked.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The call ended meanwhile.
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(keyId, this);
                _revoked.Dispose();
            }
        }
    }

    private sealed class KeyCalls(string userKey, Registration first)
    {
        public string UserKey { get; } = userKey;

        public ConcurrentDictionary<Registration, bool> Calls { get; } = new([new KeyValuePair<Registration, bool>(first, true)]);

        public KeyCalls Add(Registration call)
        {
            Calls[call] = true;
            return this;
        }
    }
}
