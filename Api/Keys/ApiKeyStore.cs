using Api.Auth;
using Api.Infrastructure;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Api.Keys;

/// <summary>A key as its owner sees it: never the key itself.</summary>
public sealed record ApiKeyInfo(string Id, string Name, string Hint, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt)
{
    /// <summary>The app roles the key acts with now: its owner's, as of their last sign-in (null: not recorded since the key was made).</summary>
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>The groups the key acts with now (their budgets bind it): its owner's, as of their last sign-in.</summary>
    public IReadOnlyList<string>? Groups { get; init; }
}

/// <summary>
/// Personal API keys in Table Storage (<c>apikeys</c>): under the user's partition, what they list (name, hint, dates,
/// the key's hash); under <c>lookup_{first two hex digits of the hash}</c> (256 partitions, so a flood of lookups
/// cannot throttle one), the hash, which is how a request's key is found. A key is written listed first and findable
/// second, and revoked unfindable first: no key can work without its owner seeing it. A replica trusts what it read
/// about a key for <see cref="ApiKeyOptions.CacheDuration"/>, and remembers a bounded number of unknown keys as unknown.
/// Every key expires, within <see cref="ApiKeyOptions.MaxLifetime"/>.
/// </summary>
public sealed class ApiKeyStore : IApiKeyResolver, IDisposable
{
    /// <summary>The single partition lookups lived in before they were spread; moved out when the table is first used.</summary>
    internal const string LegacyLookupPartition = "lookup";

    private readonly TableClient _table;
    private readonly IMemoryCache _cache;
    private readonly MemoryCache _unknown;
    private readonly MemoryCache _genuine;
    private readonly IOptions<ApiKeyOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiKeyStore> _logger;
    private int _tableReady;
    private long _lookupReads;

    private readonly KeyOwnerActivity _owners;

    public ApiKeyStore(TableServiceClient tables, IMemoryCache cache, KeyOwnerActivity owners, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<ApiKeyStore> logger)
    {
        _owners = owners;
        _table = tables.GetTableClient(options.Value.TableName);
        _cache = cache;
        _unknown = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.NegativeCacheEntries, CompactionPercentage = 0.25 });
        _genuine = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.NegativeCacheEntries, CompactionPercentage = 0.25 });
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Storage reads made to find keys (a benchmark's and a test's measure of what made-up keys cost).</summary>
    public long LookupReads => Interlocked.Read(ref _lookupReads);

    /// <summary>The partition a key's hash is found under.</summary>
    public static string LookupPartition(string hash) => "lookup_" + hash[..2];

    public async Task<(ApiKeyInfo? Info, string? Key)> CreateAsync(string userId, string userKey, string name, DateTimeOffset expiresAt, CancellationToken cancellationToken, CurrentUser? access = null)
    {
        await EnsureTableAsync(cancellationToken);
        var key = ApiKeyFormat.New();
        var hash = ApiKeyFormat.Hash(key);
        var info = new ApiKeyInfo(ApiKeyFormat.NewId(), name, ApiKeyFormat.Hint(key), _time.GetUtcNow(), expiresAt, null);
        var listed = new TableEntity(userKey, RowKey(info.Id))
        {
            ["Name"] = info.Name,
            ["Hint"] = info.Hint,
            ["CreatedAt"] = info.CreatedAt,
            ["ExpiresAt"] = info.ExpiresAt,
            ["Hash"] = hash,
        };

        // The limit holds against parallel creations: the key's row and the user's keys version (a row beside them)
        // go in one transaction that expects the version read before the count. Of two creations that counted the same
        // keys, the second finds the version moved, and counts again.
        for (var attempt = 0; ; attempt++)
        {
            var version = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, KeysVersionRow, cancellationToken: cancellationToken);
            var count = await CountAsync(userKey, cancellationToken);
            if (count >= _options.Value.MaxKeysPerUser)
            {
                return (null, null);
            }

            var next = new TableEntity(userKey, KeysVersionRow) { ["Created"] = (version.HasValue ? version.Value!.GetInt64("Created") ?? 0 : 0) + 1 };
            TableTransactionAction[] actions =
            [
                new(TableTransactionActionType.Add, listed),
                version.HasValue
                    ? new(TableTransactionActionType.UpdateReplace, next, version.Value!.ETag)
                    : new(TableTransactionActionType.Add, next),
            ];
            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken);
                break;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt <= _options.Value.MaxKeysPerUser)
            {
                // Another creation of this user's went in first: each lost round is a key made, so the count reaches the
                // limit within as many rounds as the limit (unless keys are revoked meanwhile).
            }
        }

        await _table.AddEntityAsync(new TableEntity(LookupPartition(hash), hash)
        {
            ["UserId"] = userId,
            ["UserKey"] = userKey,
            ["KeyId"] = info.Id,
            // The owner's model access as the key is made; once the owner signs in again, what they are then (KeyOwnerActivity).
            [RolesProperty] = string.Join('\n', access?.Roles ?? []),
            [GroupsProperty] = string.Join('\n', access?.Groups ?? []),
            ["CreatedAt"] = info.CreatedAt,
            ["ExpiresAt"] = info.ExpiresAt,
        }, cancellationToken);
        // A made-up key that happened to be this one (it cannot, but the cache must never say so) is forgotten.
        _unknown.Remove(hash);
        return (info, key);
    }

    /// <summary>How many keys the user holds (their rows, without reading anything else).</summary>
    private async Task<int> CountAsync(string userKey, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(KeyRows(userKey), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>The user's key rows: "key_" up to the next character after '_' ('`').</summary>
    private static string KeyRows(string userKey) => TableClient.CreateQueryFilter($"PartitionKey eq {userKey} and RowKey ge {"key_"} and RowKey lt {"key`"}");

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string userKey, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(KeyRows(userKey), cancellationToken: cancellationToken))
        {
            keys.Add(ToInfo(entity));
        }

        if (keys.Count == 0)
        {
            return [];
        }

        // What each key grants now: its owner's roles and groups as of their last sign-in.
        var owner = await _owners.OwnerAsync(userKey, cancellationToken);
        return [.. keys.OrderBy(k => k.CreatedAt).Select(k => k with { Roles = owner.Roles, Groups = owner.Groups })];
    }

    /// <summary>
    /// Revokes a key: unfindable at once on this replica, everywhere within the cache duration. False when there is no
    /// such key. The key is marked revoked here before its row goes, so a lookup that read the row just before cannot
    /// put it back in this replica's cache.
    /// </summary>
    /// <returns>The key's hash (what <see cref="Forget"/> takes on the other replicas), or null when there is no such key.</returns>
    public async Task<string?> RevokeAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var listed = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, RowKey(id), cancellationToken: cancellationToken);
        if (!listed.HasValue || listed.Value is not { } entity)
        {
            return null;
        }

        var hash = entity.GetString("Hash");
        Forget(hash);
        await _table.DeleteEntityAsync(LookupPartition(hash), hash, ETag.All, cancellationToken);
        await _table.DeleteEntityAsync(LegacyLookupPartition, hash, ETag.All, cancellationToken);
        _cache.Remove(hash);
        await _table.DeleteEntityAsync(userKey, RowKey(id), ETag.All, cancellationToken);
        _cache.Set("listed:" + id, false, _options.Value.CacheDuration);
        return hash;
    }

    /// <summary>Whether a key is still listed (not revoked): what a long stream started with the key checks as it runs.</summary>
    public async Task<bool> IsListedAsync(string userKey, string keyId, CancellationToken cancellationToken)
    {
        var marker = "listed:" + keyId;
        if (_cache.TryGetValue(marker, out bool listed))
        {
            return listed;
        }

        var row = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, RowKey(keyId), select: ["RowKey"], cancellationToken: cancellationToken);
        listed = row.HasValue;
        _cache.Set(marker, listed, _options.Value.CacheDuration);
        return listed;
    }

    /// <summary>The owner of a key this replica read recently and that has not expired: no storage read, no failure counted.</summary>
    public ApiKeyOwner? FindCached(string key) =>
        _cache.TryGetValue(ApiKeyFormat.Hash(key), out ApiKeyOwner? owner) && owner is not null && !(owner.ExpiresAt is { } expires && expires <= _time.GetUtcNow())
            ? _owners.LastKnown(owner.UserKey)?.Apply(owner) ?? owner
            : null;

    public ApiKeyOwner? FindLastKnown(string key)
    {
        var hash = ApiKeyFormat.Hash(key);
        return _genuine.TryGetValue(hash, out ApiKeyOwner? owner) && owner is not null && !_cache.TryGetValue(RevokedMarker(hash), out _)
            && !(owner.ExpiresAt is { } expires && expires <= _time.GetUtcNow()) ? _owners.LastKnown(owner.UserKey)?.Apply(owner) ?? owner : null;
    }

    /// <summary>The owner of a key that exists and has not expired; null otherwise.</summary>
    public async Task<ApiKeyOwner?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(key);
        if (_unknown.TryGetValue(hash, out _))
        {
            return null;
        }

        Task<KeyOwnerRecord>? knownOwnerActive = null;
        string? knownOwner = null;
        if (!_cache.TryGetValue(hash, out ApiKeyOwner? owner))
        {
            await EnsureTableAsync(cancellationToken);
            // A key this replica knew: its owner's activity is read beside the key's row, not after it (one round trip).
            if (_genuine.TryGetValue(hash, out ApiKeyOwner? known) && known is not null)
            {
                knownOwner = known.UserKey;
                knownOwnerActive = _owners.OwnerAsync(known.UserKey, cancellationToken);
            }

            Interlocked.Increment(ref _lookupReads);
            NullableResponse<TableEntity> found;
            try
            {
                found = await _table.GetEntityIfExistsAsync<TableEntity>(LookupPartition(hash), hash, cancellationToken: cancellationToken);
            }
            catch
            {
                Unwaited.Observe(knownOwnerActive);
                throw;
            }

            if (!found.HasValue || found.Value is not { } entity)
            {
                Unwaited.Observe(knownOwnerActive);
                _unknown.Set(hash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.Value.CacheDuration });
                // Gone (revoked on a replica whose word did not arrive): no longer last known here, so its next use is
                // refused at authentication, before it costs a rate-limit slot or a model call.
                _genuine.Remove(hash);
                return null;
            }

            owner = new ApiKeyOwner(entity.GetString("UserId"), entity.GetString("UserKey"), entity.GetString("KeyId"), ExpiryOf(entity))
            {
                Roles = Lines(entity.GetString(RolesProperty)),
                Groups = Lines(entity.GetString(GroupsProperty)),
            };
            _cache.Set(hash, owner, _options.Value.CacheDuration);
            _genuine.Set(hash, owner, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
            if (_cache.TryGetValue(RevokedMarker(hash), out _))
            {
                // Revoked on this replica while the row was being read: never trust what was read.
                Unwaited.Observe(knownOwnerActive);
                _cache.Remove(hash);
                return null;
            }
        }

        if (owner is null || (owner.ExpiresAt is { } expires && expires <= _time.GetUtcNow()))
        {
            Unwaited.Observe(knownOwnerActive);
            _genuine.Remove(hash);
            return null;
        }

        var ownerRead = knownOwnerActive is not null && knownOwner == owner.UserKey
            ? knownOwnerActive
            : _owners.OwnerAsync(owner.UserKey, cancellationToken);
        if (knownOwnerActive is not null && knownOwnerActive != ownerRead)
        {
            Unwaited.Observe(knownOwnerActive);
        }

        var ownerRecord = await ownerRead;
        if (!_owners.IsActive(ownerRecord))
        {
            // Never served from the cache either: the owner's next sign-in brings the key back at once.
            _cache.Remove(hash);
            _logger.LogInformation("API key {KeyId} refused: its owner has not signed in for {Days} days.", owner.KeyId, _options.Value.OwnerInactivityLimit.TotalDays);
            return null;
        }

        // The key acts with its owner's roles and groups as of their last sign-in.
        return ownerRecord.Apply(owner);
    }

    /// <summary>Records that a key was used, at most once per <see cref="ApiKeyOptions.LastUsedResolution"/> per replica.</summary>
    public async Task TouchAsync(ApiKeyOwner owner, CancellationToken cancellationToken)
    {
        var marker = "used:" + owner.KeyId;
        if (_cache.TryGetValue(marker, out _))
        {
            return;
        }

        _cache.Set(marker, true, _options.Value.LastUsedResolution);
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(owner.UserKey, RowKey(owner.KeyId)) { ["LastUsedAt"] = _time.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Revoked meanwhile.
        }
    }

    public void Dispose()
    {
        _unknown.Dispose();
        _genuine.Dispose();
    }

    /// <summary>A key made before every key had an expiry lives <see cref="ApiKeyOptions.MaxLifetime"/> from its creation.</summary>
    private const string RolesProperty = "Roles";
    private const string GroupsProperty = "Groups";

    private static string[] Lines(string? joined) => string.IsNullOrEmpty(joined) ? [] : joined.Split('\n');

    private DateTimeOffset? ExpiryOf(TableEntity lookup) =>
        lookup.GetDateTimeOffset("ExpiresAt") ?? (lookup.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue) + _options.Value.MaxLifetime;

    /// <summary>
    /// Forgets a revoked key on this replica: neither cached nor last known, and marked revoked for twice the cache
    /// duration so a lookup in flight cannot bring it back. Called here by <see cref="RevokeAsync"/>, and on every
    /// other replica when the revocation arrives through the shared store (<see cref="KeyRevocations"/>).
    /// </summary>
    public void Forget(string hash)
    {
        _cache.Set(RevokedMarker(hash), true, _options.Value.CacheDuration * 2);
        _genuine.Remove(hash);
        _cache.Remove(hash);
    }

    private static string RevokedMarker(string hash) => "revoked:" + hash;

    private static string RowKey(string id) => "key_" + id;

    /// <summary>The row beside a user's keys whose ETag every creation expects (outside the "key_" rows).</summary>
    private const string KeysVersionRow = "keys_version";

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
            await MoveLegacyLookupsAsync(cancellationToken);
            Volatile.Write(ref _tableReady, 1);
        }
    }

    /// <summary>
    /// Moves lookups from the one partition they used to share into their spread partitions (idempotent: replicas that
    /// start together may both move a row). A legacy row with no creation time is given the listed row's.
    /// </summary>
    private async Task MoveLegacyLookupsAsync(CancellationToken cancellationToken)
    {
        var moved = 0;
        await foreach (var legacy in _table.QueryAsync<TableEntity>(e => e.PartitionKey == LegacyLookupPartition, cancellationToken: cancellationToken))
        {
            var hash = legacy.RowKey;
            var createdAt = legacy.GetDateTimeOffset("CreatedAt");
            if (createdAt is null
                && await _table.GetEntityIfExistsAsync<TableEntity>(legacy.GetString("UserKey"), RowKey(legacy.GetString("KeyId")), cancellationToken: cancellationToken) is { HasValue: true, Value: { } listed })
            {
                createdAt = listed.GetDateTimeOffset("CreatedAt");
            }

            await _table.UpsertEntityAsync(new TableEntity(LookupPartition(hash), hash)
            {
                ["UserId"] = legacy.GetString("UserId"),
                ["UserKey"] = legacy.GetString("UserKey"),
                ["KeyId"] = legacy.GetString("KeyId"),
                ["CreatedAt"] = createdAt,
                ["ExpiresAt"] = legacy.GetDateTimeOffset("ExpiresAt"),
            }, TableUpdateMode.Replace, cancellationToken);
            try
            {
                await _table.DeleteEntityAsync(LegacyLookupPartition, hash, ETag.All, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Another replica moved it first.
            }

            moved++;
        }

        if (moved > 0)
        {
            _logger.LogInformation("Moved {Count} API key lookups out of the single legacy partition.", moved);
        }
    }
}
