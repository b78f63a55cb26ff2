namespace Api.Auth;

/// <summary>Whose a key is, as a request authenticated by it needs to know.</summary>
/// <remarks>
/// <see cref="Roles"/> and <see cref="Groups"/> are what the owner held at their last sign-in (before it, what they held
/// when the key was made): the models the key may use and the group budgets that bind it are decided by them.
/// </remarks>
public sealed record ApiKeyOwner(string UserId, string UserKey, string KeyId, DateTimeOffset? ExpiresAt)
{
    public IReadOnlyList<string> Roles { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];
}

/// <summary>Finds the owner of a personal API key (the key store, in <c>Keys/</c>), for the key's sign-in here.</summary>
public interface IApiKeyResolver
{
    /// <summary>The owner of a key this replica read recently and that has not expired: no storage read.</summary>
    ApiKeyOwner? FindCached(string key);

    /// <summary>
    /// The owner of a key this replica found genuine within the last hour, not revoked here nor expired, whose cached
    /// entry has lapsed: the request may go on as that owner while <see cref="FindAsync"/> checks the key again.
    /// </summary>
    ApiKeyOwner? FindLastKnown(string key);

    /// <summary>The owner of a key that exists and has not expired; null otherwise.</summary>
    Task<ApiKeyOwner?> FindAsync(string key, CancellationToken cancellationToken);

    /// <summary>Records that the key was used (at most so often).</summary>
    Task TouchAsync(ApiKeyOwner owner, CancellationToken cancellationToken);
}
