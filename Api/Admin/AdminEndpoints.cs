using Api.Auth;
using Api.Errors;
using Api.Infrastructure;
using Api.Keys;
using Api.Llm;
using Microsoft.Extensions.Options;

namespace Api.Admin;

/// <summary>
/// The admin routes (<c>/api/admin</c>): everyone's usage by day, user, group, key, model or route, a month's usage as
/// CSV, the queues now, any user's keys and their revocation, and the audit trail. Reading takes the Admin or Auditor
/// role, changing takes Admin (<see cref="AdminAccess"/>); every call, read or change, is recorded once in the audit
/// trail before it is carried out (<see cref="AdminAudit"/>).
/// </summary>
public static class AdminEndpoints
{
    public const int MaxTop = 1000;

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var read = endpoints.MapGroup("/api/admin").WithTags("Admin").RequireAdminRole(AdminRoles.Need.Read);
        var change = endpoints.MapGroup("/api/admin").WithTags("Admin").RequireAdminRole(AdminRoles.Need.Change);

        read.MapGet("/usage", UsageAsync).WithName("GetUsage")
            .WithSummary("Usage of a period (from, to: yyyy-MM-dd; the last 7 days by default) summed by day, user, group, key, model or route, from the daily roll-ups.");
        read.MapGet("/usage/export", ExportAsync).WithName("ExportUsage")
            .WithSummary("A month's usage (month: yyyy-MM; this month by default) as CSV: one line per day, user, key, model and route.");
        read.MapGet("/queue", QueueAsync).WithName("GetQueues")
            .WithSummary("Every model now: loaded or cold, its slots in use, its queue and the expected wait, on every replica.");
        read.MapGet("/users/{userId}/keys", KeysAsync).WithName("ListUserKeys")
            .WithSummary("A user's API keys (never the keys themselves).");
        read.MapGet("/audit", AuditAsync).WithName("GetAuditTrail")
            .WithSummary("The admin actions of a period (from, to: yyyy-MM-dd), oldest first.");
        change.MapDelete("/users/{userId}/keys/{keyId}", RevokeAsync).WithName("RevokeUserKey")
            .WithSummary("Revokes one of a user's API keys: it stops working within seconds on every replica.");
        endpoints.MapQuotaEndpoints();
        return endpoints;
    }

    private static async Task<IResult> UsageAsync(string? from, string? to, string? by, string? top, HttpContext http, CurrentUser user, UsageReport report, AdminAudit audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (start, end, refusal) = AdminPeriod.Read(from, to, Today(time));
        if (refusal is not null)
        {
            return ApiProblems.Of(refusal);
        }

        if (!Enum.TryParse<UsageDimension>(by ?? nameof(UsageDimension.Day), ignoreCase: true, out var dimension) || !Enum.IsDefined(dimension) || int.TryParse(by, out _))
        {
            return ApiProblems.BadRequest($"'by' must be one of {string.Join(", ", Enum.GetNames<UsageDimension>().Select(n => n.ToLowerInvariant()))}.", ErrorCodes.InvalidValue);
        }

        int? count = null;
        if (top is not null)
        {
            if (!int.TryParse(top, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || n > MaxTop)
            {
                return ApiProblems.BadRequest($"'top' must be a whole number from 1 to {MaxTop}.", ErrorCodes.InvalidValue);
            }

            count = n;
        }

        await RecordAsync(audit, http, user, "usage.read", dimension.ToString().ToLowerInvariant(), $"from={start:yyyy-MM-dd} to={end:yyyy-MM-dd} top={top ?? "all"}", cancellationToken);
        return TypedResults.Ok(await report.ViewAsync(start, end, dimension, count, cancellationToken));
    }

    private static async Task<IResult> ExportAsync(string? month, HttpContext http, CurrentUser user, UsageReport report, AdminAudit audit, IOptions<UsagePricing> pricing, TimeProvider time, CancellationToken cancellationToken)
    {
        var (start, end, refusal) = AdminPeriod.ReadMonth(month, Today(time));
        if (refusal is not null)
        {
            return ApiProblems.Of(refusal);
        }

        var name = $"{start:yyyy-MM}";
        await RecordAsync(audit, http, user, "usage.export", name, $"from={start:yyyy-MM-dd} to={end:yyyy-MM-dd}", cancellationToken);
        var csv = UsageCsv.Write(await report.ReadAsync(start, end, cancellationToken), pricing.Value);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"usage-{name}.csv\"";
        return Results.Text(csv, "text/csv; charset=utf-8");
    }

    private static async Task<IResult> QueueAsync(HttpContext http, CurrentUser user, LlmBackends backends, LlmStatusService status, AdminAudit audit, CancellationToken cancellationToken)
    {
        await RecordAsync(audit, http, user, "queue.read", "models", string.Empty, cancellationToken);
        return TypedResults.Ok(await status.GetModelsAsync([.. backends.All], cancellationToken));
    }

    private static async Task<IResult> KeysAsync(string userId, HttpContext http, CurrentUser user, ApiKeyStore keys, AdminAudit audit, CancellationToken cancellationToken)
    {
        if (!ValidUserId(userId))
        {
            return ApiProblems.NotFound("The user");
        }

        await RecordAsync(audit, http, user, "keys.read", userId, string.Empty, cancellationToken);
        return TypedResults.Ok(await keys.ListAsync(CurrentUser.ToPartitionKey(userId), cancellationToken));
    }

    private static async Task<IResult> RevokeAsync(string userId, string keyId, HttpContext http, CurrentUser user, KeyRevocations revocations, AdminAudit audit, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!ValidUserId(userId))
        {
            return ApiProblems.NotFound("The key");
        }

        // Recorded first: a revocation the trail cannot hold is not made.
        await RecordAsync(audit, http, user, "key.revoke", $"{userId}/{keyId}", string.Empty, cancellationToken);
        if (!await revocations.RevokeAsync(CurrentUser.ToPartitionKey(userId), keyId, cancellationToken))
        {
            return ApiProblems.NotFound("The key");
        }

        Safety.SecurityEvents.ApiKeyRevoked(loggers.CreateLogger(Safety.SecurityEvents.Category), keyId, user.Id);
        return Results.NoContent();
    }

    private static async Task<IResult> AuditAsync(string? from, string? to, HttpContext http, CurrentUser user, AdminAudit audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (start, end, refusal) = AdminPeriod.Read(from, to, Today(time));
        if (refusal is not null)
        {
            return ApiProblems.Of(refusal);
        }

        await RecordAsync(audit, http, user, "audit.read", "trail", $"from={start:yyyy-MM-dd} to={end:yyyy-MM-dd}", cancellationToken);
        return TypedResults.Ok(await audit.ReadAsync(start, end, cancellationToken));
    }

    /// <summary>Records the call in the audit trail, under the role that let the caller in.</summary>
    internal static Task RecordAsync(AdminAudit audit, HttpContext http, CurrentUser user, string action, string target, string detail, CancellationToken cancellationToken) =>
        audit.RecordAsync(http.TraceIdentifier, user.Id, user.Roles.Contains(AdminRoles.Admin) ? AdminRoles.Admin : AdminRoles.Auditor, action, target, detail, cancellationToken);

    private static bool ValidUserId(string userId) => !string.IsNullOrWhiteSpace(userId) && userId.Length <= 200 && !userId.Any(char.IsControl);

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
