namespace Api.Keys;

/// <summary>Bound from <c>ApiKeys</c>: personal API keys for tools that cannot sign in with Entra ID.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    public string TableName { get; set; } = Shared.TableNames.ApiKeys;

    /// <summary>Keys one user may hold at once.</summary>
    public int MaxKeysPerUser { get; set; } = 10;

    /// <summary>The longest a key may live: a key made without an expiry gets this one, and a later expiry is refused.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a replica trusts what it read about a key (a revoked key stops working everywhere within it).</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Unknown keys a replica remembers as unknown (each for <see cref="CacheDuration"/>); the oldest go first beyond it.</summary>
    public int NegativeCacheEntries { get; set; } = 10_000;

    /// <summary>
    /// A key works only while its owner has signed in themselves (the web, an Entra token) within this: a departed or
    /// disabled account's keys stop by themselves at most this long after the owner's last sign-in.
    /// </summary>
    public TimeSpan OwnerInactivityLimit { get; set; } = TimeSpan.FromDays(14);

    /// <summary>An owner's sign-in is written at most this often per replica.</summary>
    public TimeSpan SignInResolution { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Creating a key needs an interactive sign-in (the ID token's <c>auth_time</c>) at most this long ago.</summary>
    public TimeSpan RecentSignIn { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A key's last-used time is written at most this often.</summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromMinutes(5);
}
