using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes a health report as a small JSON document: overall status, and each check's name, status and a fixed
/// sentence for that status. Probes are anonymous: a check's own description (an address, a version) and any
/// exception text stay in the logs, never in the response.
/// </summary>
public static class HealthReportWriter
{
    /// <summary>Writes <paramref name="report"/> to the response.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";

        var payload = new HealthReportPayload(
            report.Status.ToString(),
            report.TotalDuration.TotalMilliseconds,
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthEntryPayload(entry.Value.Status.ToString(), Sentence(entry.Value.Status), entry.Value.Duration.TotalMilliseconds)));

        return JsonSerializer.SerializeAsync(context.Response.Body, payload, HealthJsonContext.Default.HealthReportPayload, context.RequestAborted);
    }

    /// <summary>What an anonymous caller may know of a check: only whether it works.</summary>
    public static string Sentence(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "Working.",
        HealthStatus.Degraded => "Working with reduced function.",
        _ => "Not working.",
    };
}
