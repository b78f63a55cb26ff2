using Api.Shared;
using StackExchange.Redis;

namespace Api.Keys;

/// <summary>
/// A key revoked on one replica is revoked on all of them at once: the revoking replica forgets it and ends its calls,
/// then publishes its hash and id on the shared store; every replica that hears it forgets the key (neither cached
/// nor last known, so its next use is refused at authentication and costs nothing) and ends the key's running calls.
/// Without the store (one replica, or the store away when the key is revoked) the others find the key gone within
/// <see cref="ApiKeyOptions.CacheDuration"/> (their cache lapses, and <see cref="RevokedKeyWatcher"/> ends its calls).
/// </summary>
public sealed class KeyRevocations(ApiKeyStore keys, RunningKeyCalls running, SharedStore store, TimeProvider time, ILogger<KeyRevocations> logger) : IHostedService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("llmchat:keys:revoked");

    /// <summary>This replica, as its own publications name it: it has already done what they ask, so it skips them.</summary>
    private readonly string _replica = Guid.NewGuid().ToString("N");

    /// <summary>Revokes the key everywhere; false when the owner has no such key.</summary>
    public async Task<bool> RevokeAsync(string userKey, string keyId, CancellationToken cancellationToken)
    {
        if (await keys.RevokeAsync(userKey, keyId, cancellationToken) is not { } hash)
        {
            return false;
        }

        running.Revoke(keyId);
        if (store.Usable)
        {
            try
            {
                await store.Connection.GetSubscriber().PublishAsync(Channel, $"{hash} {keyId} {_replica}");
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "publishing a key's revocation");
                logger.LogWarning("API key {KeyId} is revoked; the other replicas learn it within the cache duration (the shared store did not take the word).", keyId);
            }
        }

        return true;
    }

    /// <summary>A revocation heard from another replica (<c>hash keyId replica</c>): the key forgotten, its calls here ended.</summary>
    internal void Heard(string message)
    {
        var parts = message.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2] == _replica)
        {
            return;
        }

        keys.Forget(parts[0]);
        var ended = running.Revoke(parts[1]);
        if (ended > 0)
        {
            logger.LogInformation("API key {KeyId} was revoked on another replica: {Count} running call(s) ended here.", parts[1], ended);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.Configured)
        {
            _ = SubscribeAsync();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Listens; while the store is away, tries again every few seconds (the client then keeps the subscription).</summary>
    private async Task SubscribeAsync()
    {
        while (true)
        {
            try
            {
                await store.Connection.GetSubscriber().SubscribeAsync(Channel, (_, message) => Heard(message.ToString()));
                return;
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "listening for key revocations");
                await Task.Delay(SharedStore.RetryAfterFailure, time);
            }
        }
    }
}
