using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Api.Limits;

/// <summary>
/// The quotas admins set, in the <c>quotas</c> table: a partition per scope (<c>user</c>, <c>group</c>), a row per user
/// (its id) or group. Every change names the version it replaces (its ETag): a change made on an older version
/// (another admin changed it since) is refused whole, never merged, so no edit is lost.
/// </summary>
public class QuotaStore(TableServiceClient tables)
{
    private readonly TableClient _table = tables.GetTableClient(Shared.TableNames.Quotas);

    /// <summary>Every stored quota (a few per team: read whole).</summary>
    public virtual async Task<IReadOnlyList<StoredQuota>> ListAsync(CancellationToken cancellationToken)
    {
        var all = new List<StoredQuota>();
        try
        {
            await foreach (var entity in _table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                all.Add(FromEntity(entity));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
        }

        return all;
    }

    public async Task<StoredQuota?> GetAsync(QuotaScope scope, string id, CancellationToken cancellationToken)
    {
        try
        {
            var found = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(scope), RowKey(id), cancellationToken: cancellationToken);
            return found.HasValue && found.Value is { } entity ? FromEntity(entity) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
            return null;
        }
    }

    /// <summary>
    /// Sets a quota: a new one when <paramref name="ifMatch"/> is null (refused if one exists), else the version it names
    /// (refused if it changed since). Returns the stored quota, or null when refused for its version.
    /// </summary>
    public async Task<StoredQuota?> SetAsync(QuotaScope scope, string id, Quota quota, string? ifMatch, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var entity = ToEntity(scope, id, quota, by, at);
        while (true)
        {
            try
            {
                var response = ifMatch is null
                    ? await _table.AddEntityAsync(entity, cancellationToken)
                    : await _table.UpdateEntityAsync(entity, new ETag(ifMatch), TableUpdateMode.Replace, cancellationToken);
                return new StoredQuota(scope, id, quota, response.Headers.ETag?.ToString() ?? string.Empty, by, at);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 || (ex.Status == 404 && ifMatch is not null && ex.ErrorCode != "TableNotFound"))
            {
                return null;
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
            {
                await _table.CreateIfNotExistsAsync(cancellationToken);
            }
        }
    }

    /// <summary>Removes a quota at the version it names; false when it changed since or is gone.</summary>
    public async Task<bool> RemoveAsync(QuotaScope scope, string id, string ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(Partition(scope), RowKey(id), new ETag(ifMatch), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return false;
        }
    }

    private static string Partition(QuotaScope scope) => scope == QuotaScope.User ? "user" : "group";

    /// <summary>Table keys forbid <c>/ \ # ?</c> and control characters: any other id is kept as it is, else base64url under a prefix.</summary>
    private static string RowKey(string id) =>
        id.Length <= 200 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            ? "i_" + id
            : "x_" + Convert.ToBase64String(Encoding.UTF8.GetBytes(id)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static TableEntity ToEntity(QuotaScope scope, string id, Quota quota, string by, DateTimeOffset at) => new(Partition(scope), RowKey(id))
    {
        ["Id"] = id,
        ["DailyTokens"] = quota.DailyTokens,
        ["RequestsPerMinute"] = quota.RequestsPerMinute,
        ["ConcurrentStreams"] = quota.ConcurrentStreams,
        ["AllowedModels"] = quota.AllowedModels is null ? null : string.Join('\n', quota.AllowedModels),
        ["UpdatedBy"] = by,
        ["UpdatedAt"] = at,
    };

    private static StoredQuota FromEntity(TableEntity entity) => new(
        entity.PartitionKey == "user" ? QuotaScope.User : QuotaScope.Group,
        entity.GetString("Id") ?? string.Empty,
        new Quota(entity.GetInt32("DailyTokens"), entity.GetInt32("RequestsPerMinute"), entity.GetInt32("ConcurrentStreams"),
            entity.GetString("AllowedModels") is { } models ? models.Split('\n', StringSplitOptions.RemoveEmptyEntries) : null),
        entity.ETag.ToString(),
        entity.GetString("UpdatedBy") ?? string.Empty,
        entity.GetDateTimeOffset("UpdatedAt") ?? default);
}
