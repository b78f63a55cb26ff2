using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Azure.Data.Tables;

/// <summary>
/// Lists at most one table: allowed by the Table Data roles a workload identity holds, unlike
/// service-property reads, and cheap enough for a readiness probe.
/// </summary>
internal sealed class AzureTableServiceHealthCheck(TableServiceClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var _ in client.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                break;
            }

            return HealthCheckResult.Healthy($"Table service {client.Uri.Host}:{client.Uri.Port}");
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or global::Azure.Identity.AuthenticationFailedException or global::Azure.Identity.CredentialUnavailableException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Table service {client.Uri.Host} failed: {ex.Message}");
        }
    }
}
