using System.Globalization;
using Azure.Data.Tables;

namespace Api.Usage;

/// <summary>
/// How the admins' ledger lies in the usage table: a partition per day (<c>d{yyyyMMdd}</c>), holding one row per
/// request (<c>q_{user}_{request id}</c>) and one roll-up row per user, key, model and route
/// (<c>r_{user}|{key or -}|{model}|{route}</c>). A request's row and the roll-up it adds to are written in one batch,
/// so the roll-ups are always the exact sum of the requests, and a request retried counts once (its row exists).
/// </summary>
internal static class UsageRollupEntities
{
    public const string RequestPrefix = "q_";
    public const string RollupPrefix = "r_";
    private const string NoKey = "-";

    public static string Partition(DateOnly day) => $"d{day:yyyyMMdd}";

    public static string RequestRowKey(UsageRecord record) => $"{RequestPrefix}{record.UserKey}_{record.RequestId}";

    public static string RollupRowKey(UsageRecord record) => $"{RollupPrefix}{record.UserKey}|{record.KeyId ?? NoKey}|{record.Model}|{record.Route}";

    public static TableEntity ToRequestEntity(UsageRecord record) => new(Partition(record.Day), RequestRowKey(record))
    {
        ["UserKey"] = record.UserKey,
        ["UserId"] = record.UserId,
        ["Groups"] = string.Join('\n', record.Groups),
        ["KeyId"] = record.KeyId,
        ["Model"] = record.Model,
        ["Route"] = record.Route,
        ["Outcome"] = record.Outcome,
        ["PromptTokens"] = (long)record.PromptTokens,
        ["OutputTokens"] = (long)record.OutputTokens,
        ["AdmissionWaitMs"] = record.AdmissionWaitMs,
        ["GenerationMs"] = record.GenerationMs,
        ["GpuMs"] = record.GpuMs,
    };

    public static UsageRecord FromRequestEntity(DateOnly day, TableEntity entity) => new(
        entity.GetString("UserKey") ?? string.Empty,
        day,
        entity.RowKey[(entity.RowKey.LastIndexOf('_') + 1)..],
        entity.GetString("Route") ?? string.Empty,
        entity.GetString("Model") ?? string.Empty,
        entity.GetString("KeyId"),
        (int)(entity.GetInt64("PromptTokens") ?? 0),
        (int)(entity.GetInt64("OutputTokens") ?? 0),
        entity.GetString("Outcome") ?? string.Empty)
    {
        UserId = entity.GetString("UserId") ?? string.Empty,
        Groups = Split(entity.GetString("Groups")),
        AdmissionWaitMs = entity.GetInt64("AdmissionWaitMs") ?? 0,
        GenerationMs = entity.GetInt64("GenerationMs") ?? 0,
        GpuMs = entity.GetInt64("GpuMs") ?? 0,
    };

    /// <summary>The roll-up with one more request added: the groups are those the user has been seen in that day.</summary>
    public static TableEntity Add(TableEntity? current, UsageRecord record)
    {
        long Of(string name) => current?.GetInt64(name) ?? 0;
        var groups = Split(current?.GetString("Groups")).Union(record.Groups, StringComparer.OrdinalIgnoreCase);
        return new TableEntity(Partition(record.Day), RollupRowKey(record))
        {
            ["UserKey"] = record.UserKey,
            ["UserId"] = record.UserId,
            ["Groups"] = string.Join('\n', groups),
            ["KeyId"] = record.KeyId,
            ["Model"] = record.Model,
            ["Route"] = record.Route,
            ["Requests"] = Of("Requests") + 1,
            ["Failed"] = Of("Failed") + (record.Outcome == "failed" ? 1 : 0),
            ["PromptTokens"] = Of("PromptTokens") + record.PromptTokens,
            ["OutputTokens"] = Of("OutputTokens") + record.OutputTokens,
            ["AdmissionWaitMs"] = Of("AdmissionWaitMs") + record.AdmissionWaitMs,
            ["GenerationMs"] = Of("GenerationMs") + record.GenerationMs,
            ["GpuMs"] = Of("GpuMs") + record.GpuMs,
        };
    }

    public static UsageRollup FromRollupEntity(TableEntity entity) => new(
        DateOnly.ParseExact(entity.PartitionKey.AsSpan(1), "yyyyMMdd", CultureInfo.InvariantCulture),
        entity.GetString("UserKey") ?? string.Empty,
        entity.GetString("UserId") ?? string.Empty,
        entity.GetString("KeyId"),
        entity.GetString("Model") ?? string.Empty,
        entity.GetString("Route") ?? string.Empty,
        Split(entity.GetString("Groups")),
        entity.GetInt64("Requests") ?? 0,
        entity.GetInt64("Failed") ?? 0,
        entity.GetInt64("PromptTokens") ?? 0,
        entity.GetInt64("OutputTokens") ?? 0,
        entity.GetInt64("AdmissionWaitMs") ?? 0,
        entity.GetInt64("GenerationMs") ?? 0,
        entity.GetInt64("GpuMs") ?? 0);

    private static IReadOnlyList<string> Split(string? joined) =>
        string.IsNullOrEmpty(joined) ? [] : joined.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
