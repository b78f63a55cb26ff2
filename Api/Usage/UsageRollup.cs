namespace Api.Usage;

/// <summary>
/// One day's usage of one user through one key (or none), model and route, summed over its requests: the grain the
/// admins' views add up, by day, user, group, key, model or route, without reading a request's row.
/// </summary>
public sealed record UsageRollup(
    DateOnly Day,
    string UserKey,
    string UserId,
    string? KeyId,
    string Model,
    string Route,
    IReadOnlyList<string> Groups,
    long Requests,
    long Failed,
    long PromptTokens,
    long OutputTokens,
    long AdmissionWaitMs,
    long GenerationMs,
    long GpuMs);
