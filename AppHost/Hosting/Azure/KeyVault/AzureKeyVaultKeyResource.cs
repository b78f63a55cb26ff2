namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A key of a vault (RSA, never leaves the vault), created with the vault when deployed. A workload granted a role on
/// it may wrap and unwrap with it and touch nothing else in the vault.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="keyName">The Key Vault key name.</param>
/// <param name="parent">The vault.</param>
public sealed class AzureKeyVaultKeyResource(string name, string keyName, AzureKeyVaultResource parent)
    : Resource(name), IResourceWithParent<AzureKeyVaultResource>
{
    public string KeyName { get; } = keyName;

    /// <inheritdoc />
    public AzureKeyVaultResource Parent { get; } = parent;
}
