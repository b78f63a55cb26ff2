using Aspire.Azure.Security.KeyVault;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Key Vault in configuration and as a <see cref="SecretClient"/>. Same public shape as
/// Aspire.Azure.Security.KeyVault (not served on this project's registry).
/// </summary>
public static class AspireKeyVaultExtensions
{
    /// <summary>
    /// Adds every enabled secret of the vault named by the connection string <paramref name="connectionName"/>
    /// to configuration (<c>A--B</c> becomes <c>A:B</c>); only those of <see cref="AzureSecurityKeyVaultSettings.SecretNames"/> when it names some.
    /// </summary>
    /// <param name="configurationManager">The configuration to add the secrets to.</param>
    /// <param name="connectionName">The connection string name; its value is the vault URI.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <param name="configureClientOptions">Changes the secret client options.</param>
    /// <param name="options">Reload behaviour.</param>
    public static void AddAzureKeyVaultSecrets(
        this IConfigurationManager configurationManager,
        string connectionName,
        Action<AzureSecurityKeyVaultSettings>? configureSettings = null,
        Action<SecretClientOptions>? configureClientOptions = null,
        KeyVaultSecretsConfigurationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configurationManager);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = AzureSecurityKeyVaultSettings.Read(configurationManager, connectionName, configureSettings);
        var client = CreateClient(settings, configureClientOptions);
        configurationManager.Add(new KeyVaultSecretsConfigurationSource(client, options ?? new KeyVaultSecretsConfigurationOptions(), [.. settings.SecretNames]));
    }

    /// <summary>Registers a <see cref="SecretClient"/> for the vault and an <c>AzureKeyVault</c> health check.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The connection string name; its value is the vault URI.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <param name="configureClientOptions">Changes the secret client options.</param>
    public static void AddAzureKeyVaultClient(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<AzureSecurityKeyVaultSettings>? configureSettings = null,
        Action<SecretClientOptions>? configureClientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = AzureSecurityKeyVaultSettings.Read(builder.Configuration, connectionName, configureSettings);
        builder.Services.AddSingleton(_ => CreateClient(settings, configureClientOptions));

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                "AzureKeyVault",
                services => new KeyVaultSecretsHealthCheck(services.GetRequiredService<SecretClient>()),
                failureStatus: null,
                tags: null,
                timeout: TimeSpan.FromSeconds(5)));
        }
    }

    private static SecretClient CreateClient(AzureSecurityKeyVaultSettings settings, Action<SecretClientOptions>? configureClientOptions)
    {
        var clientOptions = new SecretClientOptions();
        configureClientOptions?.Invoke(clientOptions);
        return new SecretClient(settings.VaultUri, settings.Credential ?? new DefaultAzureCredential(), clientOptions);
    }
}
