using Api.Auth;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Api.Keys;

/// <summary>
/// When each key owner last signed in themselves (row <c>owner</c> in their partition of the keys table): a key works
/// only while its owner has signed in within <see cref="ApiKeyOptions.OwnerInactivityLimit"/>, so a departed or
/// disabled account's keys stop by themselves, without anyone revoking them. Written at most every
/// <see cref="ApiKeyOptions.SignInResolution"/> per user and replica; read with the key, cached as long.
/// </summary>
public sealed class KeyOwnerActivity(TableServiceClient tables, IMemoryCache cache, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<KeyOwnerActivity> logger) : IUserSignInListener
{
    internal const string RowKey = "owner";

    private readonly TableClient _table = tables.GetTableClient(options.Value.TableName);

    public async ValueTask SignedInAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        var marker = "signedin:" + user.PartitionKey;
        if (cache.TryGetValue(marker, out _))
        {
            return;
        }

        var now = time.GetUtcNow();
        cache.Set(marker, true, options.Value.SignInResolution);
        cache.Set(ActiveKey(user.PartitionKey), now, options.Value.CacheDuration);
        try
        {
            await _table.UpsertEntityAsync(new TableEntity(user.PartitionKey, RowKey) { ["LastSignInAt"] = now }, TableUpdateMode.Merge, cancellationToken);
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
    /// Whether the owner signed in recently enough for their keys to work. An owner with no record yet (keys made before
    /// the record existed) is recorded as seen now: their keys get the whole limit from the upgrade.
    /// </summary>
    public async Task<bool> IsActiveAsync(string userKey, CancellationToken cancellationToken)
    {
        if (!cache.TryGetValue(ActiveKey(userKey), out DateTimeOffset lastSignIn))
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, RowKey, cancellationToken: cancellationToken);
            if (row.HasValue && row.Value!.GetDateTimeOffset("LastSignInAt") is { } recorded)
            {
                lastSignIn = recorded;
            }
            else
            {
                lastSignIn = time.GetUtcNow();
                await _table.UpsertEntityAsync(new TableEntity(userKey, RowKey) { ["LastSignInAt"] = lastSignIn }, TableUpdateMode.Merge, cancellationToken);
            }

            cache.Set(ActiveKey(userKey), lastSignIn, options.Value.CacheDuration);
        }

        return time.GetUtcNow() - lastSignIn <= options.Value.OwnerInactivityLimit;
    }

    private static string ActiveKey(string userKey) => "owneractive:" + userKey;
}
