using Microsoft.Extensions.Options;

namespace Api.Keys;

/// <summary>
/// Ends the calls this replica runs for a key that another replica revoked: every <see cref="ApiKeyOptions.CacheDuration"/>,
/// each key with calls running is looked for among its owner's keys (one cached read per key), and a key that is gone
/// has its calls ended.
/// </summary>
public sealed class RevokedKeyWatcher(RunningKeyCalls running, ApiKeyStore store, IOptions<ApiKeyOptions> options, ILogger<RevokedKeyWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CacheDuration);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var (userKey, keyId) in running.Keys)
            {
                try
                {
                    if (!await store.IsListedAsync(userKey, keyId, stoppingToken))
                    {
                        logger.LogInformation("API key {KeyId} was revoked: {Count} running call(s) ended.", keyId, running.Revoke(keyId));
                    }
                }
                catch (Exception ex) when (Infrastructure.StorageFailures.IsUnavailable(ex))
                {
                    // The store is away: the key keeps working as a cached key does, until the store answers.
                }
            }
        }
    }
}
