using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Api.Keys;

/// <summary>A key as its owner sees it: never the key itself.</summary>
public sealed record ApiKeyInfo(string Id, string Name, string Hint, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>Whose a key is, as a request authenticated by it needs to know.</summary>
public sealed record ApiKeyOwner(string UserId, string UserKey, string KeyId, DateTimeOffset? ExpiresAt);

/// <summary>
/// Personal API keys in Table Storage (<c>apikeys</c>): under the user's partition, what they list (name, hint, dates,
/// the key's hash); under <c>lookup</c>, the hash, which is how a request's key is found. A key is written listed
/// first and findable second, and revoked unfindable first: no key can work without its owner seeing it. A replica
/// trusts what it read about a key for <see cref="ApiKeyOptions.CacheDuration"/>.
/// </summary>
public sealed class ApiKeyStore(TableServiceClient tables, IMemoryCache cache, IOptions<ApiKeyOptions> options, TimeProvider time)
{
    private const string LookupPartition = "lookup";
    private readonly TableClient _table = tables.GetTableClient(options.Value.TableName);
    private int _tableReady;

    public async Task<(ApiKeyInfo? Info, string? Key)> CreateAsync(string userId, string userKey, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        if ((await ListAsync(userKey, cancellationToken)).Count >= options.Value.MaxKeysPerUser)
        {
            return (null, null);
        }

        var key = ApiKeyFormat.New();
        var hash = ApiKeyFormat.Hash(key);
        var info = new ApiKeyInfo(ApiKeyFormat.NewId(), name, ApiKeyFormat.Hint(key), time.GetUtcNow(), expiresAt, null);
        await _table.AddEntityAsync(new TableEntity(userKey, RowKey(info.Id))
        {
            ["Name"] = info.Name,
            ["Hint"] = info.Hint,
            ["CreatedAt"] = info.CreatedAt,
            ["ExpiresAt"] = info.ExpiresAt,
            ["Hash"] = hash,
        }, cancellationToken);
        await _table.AddEntityAsync(new TableEntity(LookupPartition, hash)
        {
            ["UserId"] = userId,
            ["UserKey"] = userKey,
            ["KeyId"] = info.Id,
            ["ExpiresAt"] = info.ExpiresAt,
        }, cancellationToken);
        return (info, key);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string userKey, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == userKey, cancellationToken: cancellationToken))
        {
            keys.Add(ToInfo(entity));
        }

        return [.. keys.OrderBy(k => k.CreatedAt)];
    }

    /// <summary>Revokes a key: unfindable at once on this replica, everywhere within the cache duration. False when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var listed = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, RowKey(id), cancellationToken: cancellationToken);
        if (!listed.HasValue || listed.Value is not { } entity)
        {
            return false;
        }

        var hash = entity.GetString("Hash");
        await _table.DeleteEntityAsync(LookupPartition, hash, ETag.All, cancellationToken);
        cache.Remove(hash);
        await _table.DeleteEntityAsync(userKey, RowKey(id), ETag.All, cancellationToken);
        return true;
    }

    /// <summary>The owner of a key that exists and has not expired; null otherwise.</summary>
    public async Task<ApiKeyOwner?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(key);
        if (!cache.TryGetValue(hash, out ApiKeyOwner? owner))
        {
            await EnsureTableAsync(cancellationToken);
            var found = await _table.GetEntityIfExistsAsync<TableEntity>(LookupPartition, hash, cancellationToken: cancellationToken);
            owner = found.HasValue && found.Value is { } entity
                ? new ApiKeyOwner(entity.GetString("UserId"), entity.GetString("UserKey"), entity.GetString("KeyId"), entity.GetDateTimeOffset("ExpiresAt"))
                : null;
            cache.Set(hash, owner, options.Value.CacheDuration);
        }

        return owner is { ExpiresAt: { } expires } && expires <= time.GetUtcNow() ? null : owner;
    }

    /// <summary>Records that a key was used, at most once per <see cref="ApiKeyOptions.LastUsedResolution"/> per replica.</summary>
    public async Task TouchAsync(ApiKeyOwner owner, CancellationToken cancellationToken)
    {
        var marker = "used:" + owner.KeyId;
        if (cache.TryGetValue(marker, out _))
        {
            return;
        }

        cache.Set(marker, true, options.Value.LastUsedResolution);
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(owner.UserKey, RowKey(owner.KeyId)) { ["LastUsedAt"] = time.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Revoked meanwhile.
        }
    }

    private static string RowKey(string id) => "key_" + id;

    private static ApiKeyInfo ToInfo(TableEntity entity) => new(
        entity.RowKey["key_".Length..],
        entity.GetString("Name"),
        entity.GetString("Hint"),
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("ExpiresAt"),
        entity.GetDateTimeOffset("LastUsedAt"));

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _tableReady) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _tableReady, 1);
        }
    }
}
