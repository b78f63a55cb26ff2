using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults every service in the solution shares: telemetry, health checks,
/// service discovery and HTTP client resilience.
/// </summary>
public static partial class Extensions
{
    /// <summary>Readiness: the process and the dependencies it needs to serve.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Liveness: the process only. A dependency outage must never restart pods.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Tag of the checks that run on the liveness endpoint.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// Adds OpenTelemetry, default health checks, service discovery and a standard resilience
    /// handler on every <see cref="HttpClient"/> (LLM clients replace it with their own).
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>Adds the liveness check that reports on the process alone.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check) and <c>/alive</c> (live-tagged checks) in every environment:
    /// Kubernetes probes need them in production, not only in Development. Both answer with a small
    /// JSON body that names each check and its status, never exception details.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).DisableHttpMetrics().AllowAnonymous();

        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).DisableHttpMetrics().AllowAnonymous();

        return app;
    }
}
