namespace Api.Usage;

/// <summary>
/// One model request's usage, as the ledger keeps it: whose, which day (UTC), which request, through which route,
/// model and key, the tokens in and out, and how the request ended (complete, incomplete, failed, cancelled); for the
/// admins' views, the user's id and groups, how long it waited for its model slot, how long the model worked, and the
/// GPU time that was (the work's time over the server's slots, on a GPU model; nothing on a CPU one).
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
    string Outcome)
{
    /// <summary>The route of <c>/v1/embeddings</c> (ModelCalls' route of that name): its input tokens count against the embedding budget.</summary>
    public const string EmbeddingsRoute = "embeddings";

    /// <summary>The user's id (Entra ID's <c>oid</c>); <see cref="UserKey"/> is its partition key.</summary>
    public string UserId { get; init; } = string.Empty;

    /// <summary>The user's groups when the request was made (the token's, or its key's owner's).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    public long AdmissionWaitMs { get; init; }

    public long GenerationMs { get; init; }

    public long GpuMs { get; init; }
}

/// <summary>A user's usage of one day, as the ledger's running total holds it.</summary>
/// <param name="EmbeddingTokens">The input tokens of the day's embeddings, which their own daily budget counts.</param>
public sealed record DayUsage(DateOnly Day, long PromptTokens, long OutputTokens, long Requests, string ETag = "", long EmbeddingTokens = 0);
