using Microsoft.Extensions.Diagnostics.HealthChecks;
using OllamaSharp;

namespace CommunityToolkit.Aspire.OllamaSharp;

/// <summary>Asks Ollama for its version: cheap, and proves the server answers HTTP.</summary>
internal sealed class OllamaHealthCheck(IOllamaApiClient client, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            var version = await client.GetVersionAsync(cts.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Ollama {version} at {client.Uri}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutException or InvalidOperationException or System.Text.Json.JsonException)
        {
            var reason = cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? $"Ollama at {client.Uri} did not answer within {timeout.TotalSeconds:0.#} s"
                : $"Ollama at {client.Uri} is unreachable: {ex.Message}";
            return new HealthCheckResult(context.Registration.FailureStatus, reason);
        }
    }
}
