using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Healthy once the table service answers a one-row table listing.</summary>
/// <param name="resource">The tables resource.</param>
internal sealed class AzureTableStorageHealthCheck(AzureTableStorageResource resource) : IHealthCheck
{
    private TableServiceClient? _client;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (_client is null)
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    return HealthCheckResult.Unhealthy("The table endpoint is not allocated yet.");
                }

                _client = new TableServiceClient(connectionString, new TableClientOptions { Retry = { MaxRetries = 0 } });
            }

            await foreach (var _ in _client.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                break;
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or FormatException)
        {
            return HealthCheckResult.Unhealthy($"The table service did not answer: {ex.Message}");
        }
    }
}
