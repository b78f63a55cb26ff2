using Microsoft.Extensions.Diagnostics.HealthChecks;
using OllamaSharp;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Healthy when the server answers <c>/api/version</c>.</summary>
/// <param name="resource">The Ollama resource.</param>
internal sealed class OllamaServerHealthCheck(IOllamaResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var endpoint = await resource.UriExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            return HealthCheckResult.Unhealthy($"'{endpoint}' is not an absolute URL.");
        }

        try
        {
            using var client = OllamaUtilities.CreateClient(endpoint, TimeSpan.FromSeconds(5));
            var version = await client.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Ollama {version} at {endpoint}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return HealthCheckResult.Unhealthy($"Ollama at {endpoint} did not answer: {ex.Message}");
        }
    }
}
