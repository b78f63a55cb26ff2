using System.Text.Json;
using Api.Errors;
using Api.Limits;
using Api.Llm;

namespace Api.Admin;

/// <summary>
/// Reads the body of <c>PUT /api/admin/quotas/{scope}/{id}</c>: <c>dailyTokens</c>, <c>requestsPerMinute</c> and
/// <c>concurrentStreams</c> each a whole number from 0 to its maximum (<see cref="Quota"/>) or null (inherited), and
/// <c>allowedModels</c> null or a list of the catalogue's model ids. Anything else (a negative or absurd number, a
/// number in a string, a fraction, an unknown model, an unknown field) is refused with <c>invalid_quota</c>, naming
/// the field.
/// </summary>
internal static class QuotaRequestReader
{
    private static readonly string[] Fields = ["dailyTokens", "requestsPerMinute", "concurrentStreams", "allowedModels"];

    public static (Quota? Quota, ApiError? Refusal) Read(JsonElement body, LlmBackends models)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Invalid(null, "The body must be an object with dailyTokens, requestsPerMinute, concurrentStreams and allowedModels.");
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                return Invalid(property.Name, $"'{Shorten(property.Name)}' is not a quota's field; they are {string.Join(", ", Fields)}.");
            }
        }

        var (daily, dailyRefusal) = Number(body, "dailyTokens", Quota.MaxDailyTokens);
        var (perMinute, perMinuteRefusal) = Number(body, "requestsPerMinute", Quota.MaxRequestsPerMinute);
        var (streams, streamsRefusal) = Number(body, "concurrentStreams", Quota.MaxConcurrentStreams);
        if ((dailyRefusal ?? perMinuteRefusal ?? streamsRefusal) is { } refusal)
        {
            return (null, refusal);
        }

        List<string>? allowed = null;
        if (body.TryGetProperty("allowedModels", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > Quota.MaxAllowedModels)
            {
                return Invalid("allowedModels", $"'allowedModels' must be null (every model) or a list of at most {Quota.MaxAllowedModels} model ids.");
            }

            allowed = [];
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || models.Find(item.GetString()!) is null)
                {
                    return Invalid("allowedModels", $"'allowedModels' names {Shorten(item.ToString())}, which is not a model of the catalogue ({string.Join(", ", models.All.Select(m => m.Name))}).");
                }

                allowed.Add(item.GetString()!);
            }
        }

        return (new Quota(daily, perMinute, streams, allowed?.Distinct(StringComparer.Ordinal).ToList()), null);
    }

    private static (int? Value, ApiError? Refusal) Number(JsonElement body, string name, int max)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var whole) && whole >= 0 && whole <= max
            ? ((int)whole, null)
            : (null, Invalid(name, $"'{name}' must be a whole number from 0 to {max:N0}, or null to inherit; {Shorten(value.GetRawText())} is not.").Refusal);
    }

    private static (Quota? Quota, ApiError? Refusal) Invalid(string? param, string detail) => (null, ApiError.Of(ErrorCodes.InvalidQuota, detail, param: param));

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
