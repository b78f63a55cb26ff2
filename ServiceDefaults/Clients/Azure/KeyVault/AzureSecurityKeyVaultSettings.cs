using Azure.Core;

namespace Aspire.Azure.Security.KeyVault;

/// <summary>
/// Settings of the Key Vault client integration, bound from <c>Aspire:Azure:Security:KeyVault</c> and
/// <c>Aspire:Azure:Security:KeyVault:{connectionName}</c>. Same shape as Aspire.Azure.Security.KeyVault.
/// </summary>
public sealed class AzureSecurityKeyVaultSettings
{
    /// <summary>The vault URI, <c>https://{vault}.vault.azure.net/</c>; the connection string carries it.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>The credential; <c>DefaultAzureCredential</c> when not set (workload identity on AKS).</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>
    /// The secrets <c>AddAzureKeyVaultSecrets</c> reads, by name. Empty: every enabled secret, found by listing the
    /// vault. Named: only these, read one by one, so the identity needs a role on each secret and none on the vault.
    /// </summary>
    public List<string> SecretNames { get; } = [];

    /// <summary>Leaves out the health check of <c>AddAzureKeyVaultClient</c>.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Leaves out the Azure SDK activity source from tracing.</summary>
    public bool DisableTracing { get; set; }

    internal static AzureSecurityKeyVaultSettings Read(Microsoft.Extensions.Configuration.IConfiguration configuration, string connectionName, Action<AzureSecurityKeyVaultSettings>? configureSettings)
    {
        var settings = new AzureSecurityKeyVaultSettings();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(AspireKeyVaultConfigSection.Name), settings);
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection($"{AspireKeyVaultConfigSection.Name}:{connectionName}"), settings);

        var connectionString = Microsoft.Extensions.Configuration.ConfigurationExtensions.GetConnectionString(configuration, connectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new InvalidOperationException($"The Key Vault connection string '{connectionName}' must be the vault's https URI.");
            }

            settings.VaultUri = uri;
        }

        configureSettings?.Invoke(settings);
        if (settings.VaultUri is null)
        {
            throw new InvalidOperationException(
                $"A Key Vault client could not be configured. Provide 'ConnectionStrings:{connectionName}' (https://vault.vault.azure.net/) " +
                $"or '{AspireKeyVaultConfigSection.Name}:VaultUri'.");
        }

        return settings;
    }
}

internal static class AspireKeyVaultConfigSection
{
    public const string Name = "Aspire:Azure:Security:KeyVault";
}
