namespace Api.Limits;

/// <summary>Whom a quota is for: one user, or every member of a group.</summary>
public enum QuotaScope
{
    User,
    Group,
}

/// <summary>
/// A quota an admin set for a user or a group; each value left out (null) falls back (a user's to their groups', a
/// group's to the defaults, <c>Limits</c>). For a user, <see cref="DailyTokens"/> is their own day's output tokens; for a
/// group it is the group's budget, shared by all its members on every replica. <see cref="RequestsPerMinute"/>,
/// <see cref="ConcurrentStreams"/> and <see cref="AllowedModels"/> apply to each user (a group's, to each member).
/// </summary>
public sealed record Quota(int? DailyTokens, int? RequestsPerMinute, int? ConcurrentStreams, IReadOnlyList<string>? AllowedModels)
{
    /// <summary>The largest value each may take: beyond it a quota is a typing error, not a decision.</summary>
    public const int MaxDailyTokens = 1_000_000_000;
    public const int MaxRequestsPerMinute = 10_000;
    public const int MaxConcurrentStreams = 1_000;
    public const int MaxAllowedModels = 100;
}

/// <summary>A stored quota, with whom it is for, its version (ETag) and who set it when.</summary>
public sealed record StoredQuota(QuotaScope Scope, string Id, Quota Quota, string ETag, string UpdatedBy, DateTimeOffset UpdatedAt);
