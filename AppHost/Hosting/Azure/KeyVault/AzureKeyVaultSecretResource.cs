namespace Aspire.Hosting.ApplicationModel;

/// <summary>A secret of a vault: its Key Vault name and the parameter that holds its value.</summary>
/// <param name="name">The resource name.</param>
/// <param name="secretName">The Key Vault secret name; <c>--</c> separates configuration sections.</param>
/// <param name="value">The parameter holding the value (user secrets in run mode; written to the vault at deployment).</param>
/// <param name="parent">The vault.</param>
public sealed class AzureKeyVaultSecretResource(string name, string secretName, ParameterResource value, AzureKeyVaultResource parent)
    : Resource(name), IResourceWithParent<AzureKeyVaultResource>
{
    /// <summary>The Key Vault secret name.</summary>
    public string SecretName { get; } = secretName;

    /// <summary>The parameter holding the value.</summary>
    public ParameterResource Value { get; } = value;

    /// <inheritdoc />
    public AzureKeyVaultResource Parent { get; } = parent;

    /// <summary>The environment variable that carries the value in run mode (<c>A--B</c> becomes <c>A__B</c>).</summary>
    public string EnvironmentVariableName => SecretName.Replace("--", "__", StringComparison.Ordinal);
}
