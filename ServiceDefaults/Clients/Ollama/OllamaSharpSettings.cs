using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CommunityToolkit.Aspire.OllamaSharp;

/// <summary>
/// Settings of the OllamaSharp client integration, bound from <c>Aspire:OllamaSharp</c> and
/// <c>Aspire:OllamaSharp:{connectionName}</c>. Same shape as CommunityToolkit.Aspire.OllamaSharp,
/// plus <see cref="HealthCheckFailureStatus"/> and <see cref="Resilience"/>.
/// </summary>
public sealed class OllamaSharpSettings
{
    /// <summary>The Ollama server, for example <c>http://localhost:11434</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model that requests use unless they name another one.</summary>
    public string? SelectedModel { get; set; }

    /// <summary>Models this client knows of (the connection string names one).</summary>
    public IReadOnlyList<string> Models { get; set; } = [];

    /// <summary>Leaves out the health check.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Health check timeout in milliseconds.</summary>
    public int? HealthCheckTimeout { get; set; }

    /// <summary>Leaves out the OpenTelemetry wrapper on chat clients.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>
    /// What the health check reports when Ollama does not answer. Unhealthy by default, as in the
    /// official package; a service that still works without the LLM sets Degraded.
    /// </summary>
    public HealthStatus HealthCheckFailureStatus { get; set; } = HealthStatus.Unhealthy;

    /// <summary>Retry and time-out policy of the HTTP client, tuned for long LLM streams.</summary>
    public OllamaHttpResilienceSettings Resilience { get; set; } = new();

    /// <summary>
    /// Reads <c>Endpoint=...;Model=...</c> (what the hosting integration's model resource emits),
    /// or a plain absolute URI.
    /// </summary>
    internal void ParseConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            Endpoint = uri;
            return;
        }

        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (parts.TryGetValue("Endpoint", out var endpoint) && endpoint is string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed))
            {
                throw new InvalidOperationException($"The Ollama connection string has an Endpoint that is not an absolute URI: '{text}'.");
            }

            Endpoint = parsed;
        }

        if (parts.TryGetValue("Model", out var model) && model is string name && !string.IsNullOrWhiteSpace(name))
        {
            SelectedModel = name;
            Models = [name];
        }
    }
}
