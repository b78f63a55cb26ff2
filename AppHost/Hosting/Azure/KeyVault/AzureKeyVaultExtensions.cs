using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Key Vault hosting with the shape of Aspire.Hosting.Azure.KeyVault (not served on this project's registry):
/// <c>AddAzureKeyVault(name)</c>, <c>AddSecret(name, secretName, parameter)</c> and <c>WithReference(vault)</c>.
/// </summary>
public static partial class AzureKeyVaultExtensions
{
    /// <summary>Adds a vault. In publish mode its URI comes from the parameter <c>{name}-uri</c> (a deployment output).</summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name: the connection string name consumers use in publish mode.</param>
    /// <returns>The vault resource builder.</returns>
    public static IResourceBuilder<AzureKeyVaultResource> AddAzureKeyVault(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var vaultUri = builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter($"{name}-uri").Resource
            : new ParameterResource($"{name}-uri", _ => string.Empty);

        return builder.AddResource(new AzureKeyVaultResource(name, vaultUri))
            .WithIconName("Key")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Azure Key Vault",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .OnInitializeResource(async (vault, e, _) =>
                await e.Notifications.PublishUpdateAsync(vault, state => state with
                {
                    // Run mode has no vault: say so, and where the values come from.
                    ResourceType = "Azure Key Vault (parameters in run mode)",
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                    Properties = [.. state.Properties, new("Secrets", string.Join(", ", vault.Secrets.Select(s => s.SecretName)))],
                }).ConfigureAwait(false));
    }

    /// <summary>Adds a secret whose value is the parameter <paramref name="value"/>.</summary>
    /// <param name="builder">The vault resource builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="secretName">The Key Vault name: letters, digits and hyphens; <c>--</c> separates configuration sections.</param>
    /// <param name="value">The parameter holding the value.</param>
    /// <returns>The secret resource builder.</returns>
    public static IResourceBuilder<AzureKeyVaultSecretResource> AddSecret(this IResourceBuilder<AzureKeyVaultResource> builder, string name, string secretName, IResourceBuilder<ParameterResource> value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!SecretNamePattern().IsMatch(secretName))
        {
            throw new ArgumentException($"'{secretName}' is not a valid Key Vault secret name (1-127 letters, digits and hyphens).", nameof(secretName));
        }

        var secret = new AzureKeyVaultSecretResource(name, secretName, value.Resource, builder.Resource);
        builder.Resource.Add(secret);
        return builder.ApplicationBuilder.AddDeployedItem(secret, builder, "Password", "Key Vault secret", [new("SecretName", secretName)]);
    }

    /// <summary>Adds an RSA key to the vault, created with it when deployed (run mode has no vault and ignores it).</summary>
    /// <param name="builder">The vault resource builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="keyName">The Key Vault key name.</param>
    /// <returns>The key resource builder.</returns>
    public static IResourceBuilder<AzureKeyVaultKeyResource> AddKey(this IResourceBuilder<AzureKeyVaultResource> builder, string name, string keyName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!SecretNamePattern().IsMatch(keyName))
        {
            throw new ArgumentException($"'{keyName}' is not a valid Key Vault key name (1-127 letters, digits and hyphens).", nameof(keyName));
        }

        var key = new AzureKeyVaultKeyResource(name, keyName, builder.Resource);
        builder.Resource.Add(key);
        return builder.ApplicationBuilder.AddDeployedItem(key, builder, "Key", "Key Vault key", [new("KeyName", keyName)]);
    }

    /// <summary>
    /// Lets <paramref name="builder"/>'s identity wrap and unwrap with <paramref name="key"/> when deployed (Key Vault
    /// Crypto User on that key only). Run mode ignores it.
    /// </summary>
    public static IResourceBuilder<T> WithCryptoUserRole<T>(this IResourceBuilder<T> builder, IResourceBuilder<AzureKeyVaultKeyResource> key)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(key);
        return builder.WithAnnotation(new KeyVaultRoleAssignmentAnnotation(key.Resource, "Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424"));
    }

    /// <summary>
    /// Gives <paramref name="builder"/> the vault. Publish mode: <c>ConnectionStrings__{vault}</c> is the vault URI.
    /// Run mode: each secret's value as the environment variable of its configuration key.
    /// </summary>
    /// <typeparam name="T">The consuming resource type.</typeparam>
    /// <param name="builder">The consuming resource builder.</param>
    /// <param name="vault">The vault.</param>
    /// <returns>The consuming resource builder.</returns>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<AzureKeyVaultResource> vault)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(vault);

        return builder.WithEnvironment(context =>
        {
            if (context.ExecutionContext.IsPublishMode)
            {
                context.EnvironmentVariables[$"ConnectionStrings__{vault.Resource.Name}"] = vault.Resource.VaultUri;
                // The consumer reads these secrets by name, so it needs no right to list the vault: its role is
                // granted on each secret, not on the vault (which also holds the TLS certificate's private key).
                for (var i = 0; i < vault.Resource.Secrets.Count; i++)
                {
                    context.EnvironmentVariables[$"Aspire__Azure__Security__KeyVault__{vault.Resource.Name}__SecretNames__{i}"] = vault.Resource.Secrets[i].SecretName;
                }

                return;
            }

            foreach (var secret in vault.Resource.Secrets)
            {
                context.EnvironmentVariables[secret.EnvironmentVariableName] = secret.Value;
            }
        });
    }

    [GeneratedRegex("^[0-9A-Za-z-]{1,127}$")]
    private static partial Regex SecretNamePattern();
}
