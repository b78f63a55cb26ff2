namespace Api.Usage;

/// <summary>
/// One model request's usage, as the ledger keeps it: whose, which day (UTC), which request, through which route,
/// model and key, the tokens in and out, and how the request ended (complete, incomplete, failed, cancelled).
/// </summary>
public sealed record UsageRecord(
    string UserKey,
    DateOnly Day,
    string RequestId,
    string Route,
    string Model,
    string? KeyId,
    int PromptTokens,
    int OutputTokens,
    string Outcome);

/// <summary>A user's usage of one day, as the ledger's running total holds it.</summary>
public sealed record DayUsage(DateOnly Day, long PromptTokens, long OutputTokens, long Requests, string ETag = "");
