using Api.Auth;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Api.Keys;

/// <summary>
/// What each key owner was when they last signed in themselves (row <c>owner</c> in their partition of the keys
/// table): when, and with which app roles and groups. A key works only while its owner has signed in within
/// <see cref="ApiKeyOptions.OwnerInactivityLimit"/>, so a departed or disabled account's keys stop by themselves; and
/// a key acts with its owner's roles and groups as of that sign-in, never with those they had when the key was made:
/// a role taken away stops granting its models on the owner's keys, a group joined binds them to its budget, at the
/// owner's next sign-in. Written at most every <see cref="ApiKeyOptions.SignInResolution"/> per user and replica, and at
/// once when the roles or groups changed; read with the key, cached as long.
/// </summary>
public sealed class KeyOwnerActivity(TableServiceClient tables, IMemoryCache cache, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<KeyOwnerActivity> logger) : IUserSignInListener
{
    internal const string RowKey = "owner";
    private const string RolesProperty = "Roles";
    private const string GroupsProperty = "Groups";

    private readonly TableClient _table = tables.GetTableClient(options.Value.TableName);

    public async ValueTask SignedInAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        var marker = "signedin:" + user.PartitionKey;
        var access = Fingerprint(user.Roles, user.Groups);
        if (cache.TryGetValue(marker, out string? recorded) && recorded == access)
        {
            return;
        }

        var now = time.GetUtcNow();
        cache.Set(marker, access, options.Value.SignInResolution);
        Remember(user.PartitionKey, new KeyOwnerRecord(now, user.Roles, user.Groups));
        try
        {
            await _table.UpsertEntityAsync(new TableEntity(user.PartitionKey, RowKey)
            {
                ["LastSignInAt"] = now,
                [RolesProperty] = string.Join('\n', user.Roles),
                [GroupsProperty] = string.Join('\n', user.Groups),
            }, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No keys table yet: nobody has a key to keep alive (a first key records its owner as seen when it is used).
        }
        catch (Exception ex) when (Infrastructure.StorageFailures.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            cache.Remove(marker);
            logger.LogDebug("The sign-in of {User} was not recorded: {Reason}", user.PartitionKey, ex.Message);
        }
    }

    /// <summary>
    /// The owner's last sign-in and the roles and groups it had. An owner with no record yet (keys made before the record
    /// existed) is recorded as seen now: their keys get the whole limit from the upgrade, and keep the roles and groups
    /// they were made with until the owner signs in.
    /// </summary>
    public async Task<KeyOwnerRecord> OwnerAsync(string userKey, CancellationToken cancellationToken)
    {
        if (Cached(userKey) is { } cached)
        {
            return cached;
        }

        KeyOwnerRecord record;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, RowKey, cancellationToken: cancellationToken);
        if (row.HasValue && row.Value!.GetDateTimeOffset("LastSignInAt") is { } recorded)
        {
            record = new KeyOwnerRecord(recorded, Lines(row.Value.GetString(RolesProperty)), Lines(row.Value.GetString(GroupsProperty)));
        }
        else
        {
            record = new KeyOwnerRecord(time.GetUtcNow(), null, null);
            await _table.UpsertEntityAsync(new TableEntity(userKey, RowKey) { ["LastSignInAt"] = record.LastSignIn }, TableUpdateMode.Merge, cancellationToken);
        }

        Remember(userKey, record);
        return record;
    }

    /// <summary>What this replica read of the owner within <see cref="ApiKeyOptions.CacheDuration"/>, without reading the store.</summary>
    public KeyOwnerRecord? Cached(string userKey) => cache.TryGetValue(OwnerKey(userKey), out KeyOwnerRecord? record) ? record : null;

    /// <summary>
    /// The newest this replica knows of the owner (kept an hour after last use), for a key served from the cache: its
    /// roles and groups are never older than the key's own cached entry.
    /// </summary>
    public KeyOwnerRecord? LastKnown(string userKey) => cache.TryGetValue(LastKnownKey(userKey), out KeyOwnerRecord? record) ? record : null;

    private void Remember(string userKey, KeyOwnerRecord record)
    {
        cache.Set(OwnerKey(userKey), record, options.Value.CacheDuration);
        cache.Set(LastKnownKey(userKey), record, new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromHours(1) });
    }

    /// <summary>Whether the owner signed in recently enough for their keys to work.</summary>
    public bool IsActive(KeyOwnerRecord owner) => time.GetUtcNow() - owner.LastSignIn <= options.Value.OwnerInactivityLimit;

    private static string Fingerprint(IReadOnlyList<string> roles, IReadOnlyList<string> groups) =>
        string.Join('\n', roles.Order(StringComparer.Ordinal)) + "\n|\n" + string.Join('\n', groups.Order(StringComparer.OrdinalIgnoreCase));

    /// <summary>A recorded list (one per line), or null when none was ever recorded.</summary>
    private static IReadOnlyList<string>? Lines(string? text) => text is null ? null : text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string OwnerKey(string userKey) => "owneractive:" + userKey;

    private static string LastKnownKey(string userKey) => "ownerknown:" + userKey;
}

/// <summary>
/// A key owner as of their last sign-in: when, and their app roles and groups (null: not recorded yet, a key made before
/// the record existed keeps what it was made with).
/// </summary>
public sealed record KeyOwnerRecord(DateTimeOffset LastSignIn, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Groups)
{
    /// <summary>The key's owner with this record's roles and groups, where recorded.</summary>
    public ApiKeyOwner Apply(ApiKeyOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return owner with { Roles = Roles ?? owner.Roles, Groups = Groups ?? owner.Groups };
    }
}
