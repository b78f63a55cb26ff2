using Microsoft.Extensions.Diagnostics.HealthChecks;
using OllamaSharp;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Healthy once the server lists the model: until then, consumers waiting on it keep waiting.</summary>
/// <param name="resource">The model resource.</param>
internal sealed class OllamaModelHealthCheck(OllamaModelResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var endpoint = await resource.Parent.UriExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return HealthCheckResult.Unhealthy("The Ollama endpoint is not allocated yet.");
        }

        try
        {
            using var client = OllamaUtilities.CreateClient(endpoint, TimeSpan.FromSeconds(10));
            return await OllamaUtilities.ModelExistsAsync(client, resource.ModelName, cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy($"{resource.ModelName} is present on {endpoint}")
                : HealthCheckResult.Unhealthy($"{resource.ModelName} is not present on {endpoint} yet");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return HealthCheckResult.Unhealthy($"Ollama at {endpoint} did not answer: {ex.Message}");
        }
    }
}
