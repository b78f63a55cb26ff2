using Azure.Data.Tables;

namespace Api.Usage;

/// <summary>
/// How the ledger lies in the user's partition of the conversations table: <c>usage_{yyyyMMdd}</c> the day's running
/// total (the quota reads it), <c>ul_{yyyyMMdd}_{request id}</c> one row per model request (route, model, key, tokens,
/// outcome), written in the same batch as the total it adds to, so the two never disagree and a request counts once.
/// </summary>
internal static class UsageEntities
{
    public const string DayPrefix = "usage_";
    public const string RequestPrefix = "ul_";

    public static string DayRowKey(DateOnly day) => $"{DayPrefix}{day:yyyyMMdd}";

    public static string RequestRowKey(DateOnly day, string requestId) => $"{RequestPrefix}{day:yyyyMMdd}_{requestId}";

    public static DayUsage FromDayEntity(DateOnly day, TableEntity entity) => new(
        day,
        entity.GetInt64("PromptTokens") ?? 0,
        entity.GetInt64("OutputTokens") ?? 0,
        // "Replies": the name the running total has had since before the ledger counted every route's requests.
        entity.GetInt64("Replies") ?? 0,
        entity.ETag.ToString(),
        entity.GetInt64("EmbeddingTokens") ?? 0);

    public static TableEntity ToDayEntity(string userKey, DayUsage current, UsageRecord record) => new(userKey, DayRowKey(record.Day))
    {
        ["PromptTokens"] = current.PromptTokens + record.PromptTokens,
        ["OutputTokens"] = current.OutputTokens + record.OutputTokens,
        ["Replies"] = current.Requests + 1,
        ["EmbeddingTokens"] = current.EmbeddingTokens + (record.Route == UsageRecord.EmbeddingsRoute ? record.PromptTokens : 0),
    };

    public static TableEntity ToRequestEntity(UsageRecord record) => new(record.UserKey, RequestRowKey(record.Day, record.RequestId))
    {
        ["Route"] = record.Route,
        ["Model"] = record.Model,
        ["KeyId"] = record.KeyId,
        ["PromptTokens"] = record.PromptTokens,
        ["OutputTokens"] = record.OutputTokens,
        ["Outcome"] = record.Outcome,
    };

    public static UsageRecord FromRequestEntity(TableEntity entity) => new(
        entity.PartitionKey,
        DateOnly.ParseExact(entity.RowKey.AsSpan(RequestPrefix.Length, 8), "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture),
        entity.RowKey[(RequestPrefix.Length + 9)..],
        entity.GetString("Route") ?? string.Empty,
        entity.GetString("Model") ?? string.Empty,
        entity.GetString("KeyId"),
        entity.GetInt32("PromptTokens") ?? 0,
        entity.GetInt32("OutputTokens") ?? 0,
        entity.GetString("Outcome") ?? string.Empty);
}
