using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace Aspire.Azure.Security.KeyVault;

/// <summary>
/// Loads every enabled secret of a vault into configuration, or only the named ones (read by name: no list right
/// needed, so a role on each secret suffices). Key Vault names allow only letters,
/// digits and hyphens, so <c>--</c> stands for the section separator: <c>Safety--Canary</c> is
/// <c>Safety:Canary</c>, the same key an environment variable <c>Safety__Canary</c> sets in run mode.
/// </summary>
internal sealed class KeyVaultSecretsConfigurationProvider(SecretClient client, KeyVaultSecretsConfigurationOptions options, IReadOnlyList<string> secretNames)
    : ConfigurationProvider, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _reloadLoop;

    public override void Load()
    {
        // Configuration providers load synchronously by contract; this runs once at start.
        Data = LoadAsync(CancellationToken.None).GetAwaiter().GetResult();

        if (options.ReloadInterval is { } interval && interval > TimeSpan.Zero && _reloadLoop is null)
        {
            _reloadLoop = ReloadLoopAsync(interval, _stopping.Token);
        }
    }

    internal static string ToConfigurationKey(string secretName) => secretName.Replace("--", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);

    private async Task<Dictionary<string, string?>> LoadAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (secretNames.Count > 0)
        {
            foreach (var name in secretNames)
            {
                var named = await client.GetSecretAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (named.Value.Properties.Enabled == true && (named.Value.Properties.ExpiresOn is not { } expiry || expiry > DateTimeOffset.UtcNow))
                {
                    data[ToConfigurationKey(name)] = named.Value.Value;
                }
            }

            return data;
        }

        await foreach (var properties in client.GetPropertiesOfSecretsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (properties.Enabled != true || (properties.ExpiresOn is { } expires && expires <= DateTimeOffset.UtcNow))
            {
                continue;
            }

            var secret = await client.GetSecretAsync(properties.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            data[ToConfigurationKey(properties.Name)] = secret.Value.Value;
        }

        return data;
    }

    private async Task ReloadLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var fresh = await LoadAsync(cancellationToken).ConfigureAwait(false);
                if (!SameData(fresh))
                {
                    Data = fresh;
                    OnReload();
                }
            }
            catch (Exception ex) when (ex is global::Azure.RequestFailedException or HttpRequestException)
            {
                // Keep serving the last good values; the next tick tries again.
            }
        }
    }

    private bool SameData(Dictionary<string, string?> fresh) =>
        fresh.Count == Data.Count && fresh.All(pair => Data.TryGetValue(pair.Key, out var value) && value == pair.Value);

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
