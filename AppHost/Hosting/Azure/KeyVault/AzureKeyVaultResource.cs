namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An Azure Key Vault. Publish mode: consumers get its URI as the connection string and load every secret
/// into configuration. Run mode: no vault; consumers get each secret's parameter value as the configuration
/// key the secret would produce (<c>Safety--Canary</c> arrives as <c>Safety__Canary</c>), so the code
/// reads secrets one way in both.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="vaultUri">The vault URI parameter, filled from the deployment's outputs in publish mode.</param>
public sealed class AzureKeyVaultResource(string name, ParameterResource vaultUri) : Resource(name)
{
    private readonly List<AzureKeyVaultSecretResource> _secrets = [];

    /// <summary>The vault URI parameter.</summary>
    public ParameterResource VaultUri { get; } = vaultUri;

    /// <summary>The secrets added with <c>AddSecret</c>.</summary>
    public IReadOnlyList<AzureKeyVaultSecretResource> Secrets => _secrets;

    internal void Add(AzureKeyVaultSecretResource secret) => _secrets.Add(secret);

    private readonly List<AzureKeyVaultKeyResource> _keys = [];

    /// <summary>The keys added with <c>AddKey</c>.</summary>
    public IReadOnlyList<AzureKeyVaultKeyResource> Keys => _keys;

    internal void Add(AzureKeyVaultKeyResource key) => _keys.Add(key);
}
