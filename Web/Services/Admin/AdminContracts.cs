namespace Web.Services.Admin;

/// <summary>One line of a usage view (the API's <c>UsageLine</c>): a day, user, group, key, model or route, and its sums.</summary>
public sealed record UsageLineDto(string Key, long Requests, long Failed, long PromptTokens, long OutputTokens, double AdmissionWaitSeconds, double GenerationSeconds, double GpuSeconds, decimal Cost)
{
    public long Tokens => PromptTokens + OutputTokens;
}

/// <summary>The body of <c>GET /api/admin/usage</c>.</summary>
public sealed record UsageViewDto(DateOnly From, DateOnly To, string By, IReadOnlyList<UsageLineDto> Lines, UsageLineDto Total, string Currency, string GpuNodeSize, decimal GpuNodeHourlyPrice);

/// <summary>A quota of a user or a group (the API's <c>QuotaDto</c>); null limits are inherited.</summary>
public sealed record QuotaDto(string Scope, string Id, int? DailyTokens, int? RequestsPerMinute, int? ConcurrentStreams, IReadOnlyList<string>? AllowedModels, string ETag, string UpdatedBy, DateTimeOffset UpdatedAt);

/// <summary>The body of <c>PUT /api/admin/quotas/{scope}/{id}</c>.</summary>
public sealed record QuotaChange(int? DailyTokens, int? RequestsPerMinute, int? ConcurrentStreams, IReadOnlyList<string>? AllowedModels);
