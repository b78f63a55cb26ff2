namespace Api.Shared;

/// <summary>
/// The shared store's connection string name (<c>ConnectionStrings:cache</c>), defined once: the API reads it, and the
/// AppHost (which links this file) names its Redis or Garnet resource by it.
/// </summary>
internal static class SharedStoreConnection
{
    public const string Name = "cache";

    /// <summary>
    /// The vault secret that holds the store's password (<c>SharedStore:Password</c> in configuration): the API
    /// authenticates with it, and deployed, the store's pod reads the same secret to require it.
    /// </summary>
    public const string PasswordSecretName = "SharedStore--Password";

    /// <summary>The configuration key the secret arrives as.</summary>
    public const string PasswordKey = "SharedStore:Password";
}
