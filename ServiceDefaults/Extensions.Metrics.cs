using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Prometheus scrape endpoint (<c>/metrics</c>) for autoscaling and alerts, on its own port (<c>Metrics:Port</c>)
/// so that it is never reachable through the Service or the Gateway that serve the app. Managed Prometheus is not
/// subject to the Log Analytics daily cap, so alerts on these series keep firing when logs are capped. Without a port
/// it is mapped only in Development.
/// </summary>
public static class MetricsEndpoint
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>Adds the Prometheus exporter and, with <c>Metrics:Port</c>, a Kestrel endpoint of its own for it.</summary>
    /// <param name="builder">The application builder.</param>
    /// <returns>The application builder.</returns>
    public static IHostApplicationBuilder AddMetricsEndpoint(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());

        if (builder.Configuration.GetValue<int?>("Metrics:Port") is not { } port)
        {
            return builder;
        }

        // Listening on a second port means naming every endpoint: the app's own (from ASPNETCORE_URLS or
        // ASPNETCORE_HTTP_PORTS) and the metrics one.
        var endpoints = new Dictionary<string, string?>();
        var urls = builder.Configuration["urls"];
        var httpPorts = builder.Configuration["http_ports"];
        var appUrls = !string.IsNullOrWhiteSpace(urls)
            ? urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : !string.IsNullOrWhiteSpace(httpPorts)
                ? httpPorts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}").ToArray()
                : ["http://localhost:5000"];

        for (var i = 0; i < appUrls.Length; i++)
        {
            endpoints[$"Kestrel:Endpoints:App{i}:Url"] = appUrls[i];
        }

        endpoints["Kestrel:Endpoints:Metrics:Url"] = $"http://*:{port}";
        builder.Configuration.AddInMemoryCollection(endpoints);
        return builder;
    }

    /// <summary>
    /// Answers <c>/metrics</c> only on connections to the metrics port (the local port, not the Host header: a proxy
    /// in front of the pod, like Aspire's in run mode, may present another one), and nothing else there: the network
    /// policy lets the cluster's scraper reach that port, and it must not reach the app's routes through it.
    /// </summary>
    /// <param name="app">The web application.</param>
    /// <returns>The web application.</returns>
    public static WebApplication UseMetricsEndpoint(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Configuration.GetValue<int?>("Metrics:Port") is { } port)
        {
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort == port && context.Request.Path != Path)
                {
                    context.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            });
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                context.Connection.LocalPort == port && context.Request.Path == Path);
        }
        else if (app.Environment.IsDevelopment())
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == Path);
        }

        return app;
    }
}
