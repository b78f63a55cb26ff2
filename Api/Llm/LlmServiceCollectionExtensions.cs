using System.Data.Common;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OllamaSharp;

namespace Api.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// The model catalogue (<c>Llm:Models</c>): one backend per declared model whose connection string (named like the
    /// model, <c>Endpoint=...;Model=tag</c>) is present, each an OllamaSharp client with its own breaker and admission.
    /// With none, the API still serves history and reports the LLM unavailable (with the AppHost's reason when it gave one).
    /// </summary>
    public static IHostApplicationBuilder AddLlm(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LlmOptions>()
            .Bind(builder.Configuration.GetSection(LlmOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.DefaultMaxOutputTokens <= o.MaxOutputTokensCap, "Llm:DefaultMaxOutputTokens must not exceed Llm:MaxOutputTokensCap.")
            .Validate(o => o.DefaultTemperature <= o.MaxTemperature, "Llm:DefaultTemperature must not exceed Llm:MaxTemperature.")
            .Validate(o => o.Resilience.IdleTimeout > TimeSpan.Zero && o.Resilience.FirstTokenTimeout > TimeSpan.Zero && o.Resilience.MaxStreamDuration > TimeSpan.Zero,
                "Llm:Resilience timeouts must be positive.")
            .Validate(o => ModelCatalogueRules.Problem(o.Catalogue) is null, "Llm:Models is not a valid catalogue (the API's log names the problem).")
            .ValidateOnStart();

        var catalogue = builder.Configuration.GetSection(LlmOptions.SectionName).Get<LlmOptions>()?.Catalogue ?? new LlmOptions().Catalogue;
        if (ModelCatalogueRules.Problem(catalogue) is { } problem)
        {
            throw new InvalidOperationException($"Llm:Models: {problem}");
        }

        var served = catalogue
            .Select(entry => (entry.Key, entry.Value, Connection: AddBackend(builder, entry.Key)))
            .Where(entry => entry.Connection is not null)
            .Select(entry => (Name: entry.Key, Options: entry.Value, entry.Connection!.Value.Model, entry.Connection!.Value.Endpoint))
            .ToList();

        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<LlmOptions>>().Value;
            var time = services.GetRequiredService<TimeProvider>();
            var loggerFactory = services.GetRequiredService<ILoggerFactory>();
            var store = services.GetService<Api.Shared.SharedStore>();

            LlmBackend Create((string Name, ModelOptions Options, string Model, Uri Endpoint) m)
            {
                var admission = options.Admission;
                if (m.Options.SlotsPerServer is { } slots)
                {
                    admission = admission.WithSlotsPerServer(slots);
                }

                return new LlmBackend(
                    m.Name,
                    m.Model,
                    m.Endpoint,
                    services.GetRequiredKeyedService<IChatClient>(m.Name),
                    services.GetRequiredKeyedService<IOllamaApiClient>(m.Name),
                    new LlmCircuitBreaker(m.Name, options.Resilience.BreakerFailureThreshold, options.Resilience.BreakerBreakDuration, time, loggerFactory.CreateLogger<LlmCircuitBreaker>()),
                    new LlmAdmission(m.Name, admission, new ModelServerCount(admission.Servers, admission.ServerHosts.GetValueOrDefault(m.Name)), store),
                    m.Options)
                {
                    // The client integration's name for the backend's HttpClient ({connection}_httpClient).
                    HttpClientName = $"{m.Name}_httpClient",
                };
            }

            var reason = string.IsNullOrWhiteSpace(options.UnavailableReason)
                ? $"No language model is configured (no connection string for any of: {string.Join(", ", options.Catalogue.Keys)})."
                : options.UnavailableReason;
            return new LlmBackends([.. served.Select(Create)], reason);
        });

        builder.Services.AddSingleton<LlmMetrics>();
        builder.Services.AddSingleton<LlmGateway>();
        builder.Services.AddSingleton<LlmStatusService>();
        builder.Services.AddHostedService<LlmBreakerProbeService>();
        return builder;
    }

    private static (string Model, Uri Endpoint)? AddBackend(IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!parts.TryGetValue("Endpoint", out var endpointValue) || endpointValue is not string endpointText || !Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint))
        {
            throw new InvalidOperationException($"The connection string '{connectionName}' has no valid Endpoint.");
        }

        if (!parts.TryGetValue("Model", out var modelValue) || modelValue is not string model || string.IsNullOrWhiteSpace(model))
        {
            throw new InvalidOperationException($"The connection string '{connectionName}' names no Model.");
        }

        // An LLM outage must not take the API out of rotation: history still works. Readiness reports it as Degraded.
        // The gateway traces each model call itself (LlmTelemetry): Microsoft.Extensions.AI's OpenTelemetry wrapper keeps
        // every streamed update of a reply to describe it at the end, a cost per token that no reader of the trace needs.
        builder.AddKeyedOllamaApiClient(connectionName, settings =>
            {
                settings.HealthCheckFailureStatus = HealthStatus.Degraded;
                settings.DisableTracing = true;
            })
            .AddKeyedChatClient();
        return (model, endpoint);
    }
}
