using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Azure.Security.KeyVault;

/// <summary>Reads one page of secret properties: proves reachability and the list permission.</summary>
internal sealed class KeyVaultSecretsHealthCheck(SecretClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var _ in client.GetPropertiesOfSecretsAsync(cancellationToken).AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                break;
            }

            return HealthCheckResult.Healthy($"Key Vault {client.VaultUri.Host}");
        }
        catch (Exception ex) when (ex is global::Azure.RequestFailedException or HttpRequestException or global::Azure.Identity.AuthenticationFailedException or global::Azure.Identity.CredentialUnavailableException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Key Vault {client.VaultUri.Host} failed: {ex.Message}");
        }
    }
}
