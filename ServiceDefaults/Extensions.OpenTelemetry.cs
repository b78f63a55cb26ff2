using Azure.Monitor.OpenTelemetry.AspNetCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static partial class Extensions
{
    /// <summary>Meter and activity source names that every service adds to its telemetry.</summary>
    public static readonly string[] TelemetrySourceNames =
    [
        "LlmChat.*",
        // The runtime's own meter (.NET 9+): allocations, exceptions, GC, thread pool and lock contention.
        "System.Runtime",
        "Experimental.Microsoft.Extensions.AI",
        "Microsoft.Extensions.AI",
        "Azure.*",
    ];

    /// <summary>
    /// Logs, metrics and traces through OpenTelemetry: OTLP when the Aspire dashboard (or a collector)
    /// sets <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetrySourceNames))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetrySourceNames)
                .AddAspNetCoreInstrumentation(aspnet =>
                    // Probes and scrapes every few seconds would drown the traces that matter.
                    aspnet.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation());

        builder.AddOpenTelemetryExporters();
        return builder;
    }

    private static bool IsInfrastructurePath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(HealthEndpointPath)
        || path.StartsWithSegments(AlivenessEndpointPath)
        || path.StartsWithSegments("/metrics");

    private static void AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            // Application Insights refuses telemetry without an Entra ID token (local auth is off): send it as the
            // pod's workload identity (DefaultAzureCredential reads AZURE_FEDERATED_TOKEN_FILE), which holds
            // Monitoring Metrics Publisher on the component.
            builder.Services.AddOpenTelemetry().UseAzureMonitor(options => options.Credential ??= new global::Azure.Identity.DefaultAzureCredential());
        }
    }
}
