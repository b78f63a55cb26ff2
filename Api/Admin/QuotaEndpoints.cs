using System.Text.Json;
using Api.Auth;
using Api.Errors;
using Api.Infrastructure;
using Api.Limits;
using Api.Llm;

namespace Api.Admin;

/// <summary>A quota as the admin routes show it: for whom, its values, its version (send it back as <c>If-Match</c>), who set it when.</summary>
public sealed record QuotaDto(string Scope, string Id, int? DailyTokens, int? RequestsPerMinute, int? ConcurrentStreams, IReadOnlyList<string>? AllowedModels, string ETag, string UpdatedBy, DateTimeOffset UpdatedAt)
{
    public static QuotaDto Of(StoredQuota q) => new(q.Scope.ToString().ToLowerInvariant(), q.Id, q.Quota.DailyTokens, q.Quota.RequestsPerMinute, q.Quota.ConcurrentStreams, q.Quota.AllowedModels, q.ETag, q.UpdatedBy, q.UpdatedAt);
}

/// <summary>
/// Quotas per user and per group (<c>/api/admin/quotas/{user|group}/{id}</c>): listed and read by either role, set and
/// removed by Admin. A change names the version it replaces (<c>If-Match</c>, the ETag it read); none names a new
/// quota. A change made on a version that is no longer the stored one (another admin's change came first) is refused
/// with 409 <c>quota_conflict</c>: nobody's edit is lost. A change applies on this replica at once and on every other
/// within <see cref="QuotaBook.RefreshEvery"/>.
/// </summary>
public static class QuotaEndpoints
{
    public static IEndpointRouteBuilder MapQuotaEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var read = endpoints.MapGroup("/api/admin/quotas").WithTags("Admin").RequireAdminRole(AdminRoles.Need.Read);
        var change = endpoints.MapGroup("/api/admin/quotas").WithTags("Admin").RequireAdminRole(AdminRoles.Need.Change);

        read.MapGet(string.Empty, ListAsync)
            .WithName("ListQuotas").WithSummary("Every quota set, per user and per group.");

        read.MapGet("/{scope}/{id}", async Task<IResult> (string scope, string id, HttpContext http, CurrentUser user, QuotaStore store, AdminAudit audit, CancellationToken cancellationToken) =>
            {
                if (Scope(scope, id) is not { } which)
                {
                    return ApiProblems.NotFound("The quota");
                }

                await AdminEndpoints.RecordAsync(audit, http, user, "quota.read", $"{scope}/{id}", string.Empty, cancellationToken);
                if (await store.GetAsync(which, id, cancellationToken) is not { } stored)
                {
                    return ApiProblems.NotFound("The quota");
                }

                http.Response.Headers.ETag = stored.ETag;
                return TypedResults.Ok(QuotaDto.Of(stored));
            })
            .WithName("GetQuota").WithSummary("One quota, with its version in ETag.");

        change.MapPut("/{scope}/{id}", SetAsync).WithBodyLimit(16 * 1024)
            .WithName("SetQuota").WithSummary("Sets a quota: If-Match with the version read to change one, none to make a new one; 409 quota_conflict if another change came first.");

        change.MapDelete("/{scope}/{id}", async Task<IResult> (string scope, string id, HttpContext http, CurrentUser user, QuotaStore store, QuotaBook book, AdminAudit audit, CancellationToken cancellationToken) =>
            {
                if (Scope(scope, id) is not { } which)
                {
                    return ApiProblems.NotFound("The quota");
                }

                var ifMatch = http.Request.Headers.IfMatch.ToString();
                await AdminEndpoints.RecordAsync(audit, http, user, "quota.remove", $"{scope}/{id}", $"if-match={ifMatch}", cancellationToken);
                if (ifMatch.Length == 0)
                {
                    return ApiProblems.Of(ApiError.Of(ErrorCodes.QuotaConflict, "Send If-Match with the version you read (its ETag) to remove a quota."));
                }

                if (!await store.RemoveAsync(which, id, ifMatch, cancellationToken))
                {
                    return ApiProblems.Of(Conflict(scope, id));
                }

                await book.RefreshAsync(cancellationToken);
                return Results.NoContent();
            })
            .WithName("RemoveQuota").WithSummary("Removes a quota (If-Match required): its user or group falls back to the defaults.");
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpContext http, CurrentUser user, QuotaStore store, AdminAudit audit, CancellationToken cancellationToken)
    {
        await AdminEndpoints.RecordAsync(audit, http, user, "quotas.read", "all", string.Empty, cancellationToken);
        var all = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(all.Select(QuotaDto.Of).OrderBy(q => q.Scope, StringComparer.Ordinal).ThenBy(q => q.Id, StringComparer.Ordinal).ToList());
    }

    private static async Task<IResult> SetAsync(string scope, string id, HttpContext http, CurrentUser user, QuotaStore store, QuotaBook book, LlmBackends models, AdminAudit audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Scope(scope, id) is not { } which)
        {
            return ApiProblems.NotFound("The quota");
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return ApiProblems.Of(ApiError.Of(ErrorCodes.InvalidQuota, "The body is not JSON: send an object with dailyTokens, requestsPerMinute, concurrentStreams and allowedModels."));
        }

        var (quota, refusal) = QuotaRequestReader.Read(body, models);
        if (refusal is not null)
        {
            return ApiProblems.Of(refusal);
        }

        var ifMatch = http.Request.Headers.IfMatch.Count > 0 ? http.Request.Headers.IfMatch.ToString() : null;
        await AdminEndpoints.RecordAsync(audit, http, user, "quota.set", $"{scope}/{id}", $"{body.GetRawText()} if-match={ifMatch ?? "(new)"}", cancellationToken);
        if (await store.SetAsync(which, id, quota!, ifMatch, user.Id, time.GetUtcNow(), cancellationToken) is not { } stored)
        {
            return ApiProblems.Of(Conflict(scope, id));
        }

        await book.RefreshAsync(cancellationToken);
        http.Response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(QuotaDto.Of(stored));
    }

    private static ApiError Conflict(string scope, string id) =>
        ApiError.Of(ErrorCodes.QuotaConflict, $"The quota of {scope} '{id}' changed since you read it (or was made meanwhile): read it again, then send your change with its new ETag.");

    private static QuotaScope? Scope(string scope, string id) =>
        string.IsNullOrWhiteSpace(id) || id.Length > 200 || id.Any(char.IsControl) ? null
        : scope switch
        {
            "user" => QuotaScope.User,
            "group" => QuotaScope.Group,
            _ => null,
        };
}
