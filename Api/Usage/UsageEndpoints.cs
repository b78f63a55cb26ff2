using Api.Auth;
using Api.Limits;

namespace Api.Usage;

/// <summary>The body of <c>GET /api/usage/me</c>: the caller's day so far and their limits (an admin's quotas for them, else the defaults).</summary>
/// <param name="OutputTokensLeft">What the day's quota still allows (never below zero).</param>
/// <param name="ResetsAt">The next midnight, UTC, when the day's quota starts again.</param>
/// <param name="GroupBudgets">The daily budgets of the caller's groups that have one, shared with the other members.</param>
/// <param name="AdminRoles">The admin roles the caller may use here (none through an API key): the web shows its admin pages to them.</param>
public sealed record MyUsage(DateOnly Day, long Requests, long PromptTokens, long OutputTokens, int OutputTokensPerDay, long OutputTokensLeft, int RequestsPerMinute, int ConcurrentStreams, DateTimeOffset ResetsAt, IReadOnlyList<GroupBudget> GroupBudgets,
    IReadOnlyList<string> AdminRoles);

public static class UsageEndpoints
{
    /// <summary><c>GET /api/usage/me</c>: the caller's own usage today and what is left of their quota (the chat shows it).</summary>
    public static IEndpointRouteBuilder MapUsageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/usage").WithTags("Usage").MapGet("/me", async (HttpContext http, CurrentUser user, UsageStore store, QuotaBook quotas, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var now = time.GetUtcNow();
                var day = DateOnly.FromDateTime(now.UtcDateTime);
                var used = await store.GetDayAsync(user.PartitionKey, day, cancellationToken);
                var quota = quotas.For(user.Id, user.Groups);
                return TypedResults.Ok(new MyUsage(day, used.Requests, used.PromptTokens, used.OutputTokens, quota.OutputTokensPerDay,
                    Math.Max(0, quota.OutputTokensPerDay - used.OutputTokens), quota.RequestsPerMinute, quota.ConcurrentStreams,
                    new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero), quota.GroupBudgets, AdminRoles.Usable(http.User, user)));
            })
            .WithName("GetMyUsage")
            .WithSummary("The caller's usage today (UTC) and what is left of their daily output tokens.");
        return endpoints;
    }
}
