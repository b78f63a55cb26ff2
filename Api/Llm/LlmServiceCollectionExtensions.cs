using System.Data.Common;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OllamaSharp;

namespace Api.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// The LLM backends: the primary from the <c>chat</c> connection string and an optional fallback from
    /// <c>chat-fallback</c>, each an OllamaSharp client with its own breaker and admission limit. With neither, the
    /// API still serves history and reports the LLM unavailable (with the AppHost's reason when it gave one).
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
            .ValidateOnStart();

        var primary = AddBackend(builder, LlmOptions.PrimaryConnectionName);
        var fallback = AddBackend(builder, LlmOptions.FallbackConnectionName);

        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<LlmOptions>>().Value;
            var time = services.GetRequiredService<TimeProvider>();
            var loggerFactory = services.GetRequiredService<ILoggerFactory>();

            LlmBackend? Create((string Model, Uri Endpoint)? configured, string connectionName, string name, bool isFallback) =>
                configured is not { } c ? null : new LlmBackend(
                    name,
                    c.Model,
                    c.Endpoint,
                    services.GetRequiredKeyedService<IChatClient>(connectionName),
                    services.GetRequiredKeyedService<IOllamaApiClient>(connectionName),
                    new LlmCircuitBreaker(name, options.Resilience.BreakerFailureThreshold, options.Resilience.BreakerBreakDuration, time, loggerFactory.CreateLogger<LlmCircuitBreaker>()),
                    new LlmAdmission(name, options.Admission,
                        new ModelServerCount(options.Admission.Servers, options.Admission.ServerHosts.GetValueOrDefault(name)),
                        services.GetService<Api.Shared.SharedStore>()),
                    isFallback)
                {
                    // The client integration's name for the backend's HttpClient ({connection}_httpClient).
                    HttpClientName = $"{connectionName}_httpClient",
                };

            var reason = string.IsNullOrWhiteSpace(options.UnavailableReason)
                ? $"No language model is configured (the connection string '{LlmOptions.PrimaryConnectionName}' is missing)."
                : options.UnavailableReason;
            return new LlmBackends(
                Create(primary, LlmOptions.PrimaryConnectionName, LlmMetricNames.PrimaryBackend, isFallback: false),
                Create(fallback, LlmOptions.FallbackConnectionName, LlmMetricNames.FallbackBackend, isFallback: true),
                reason);
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
