using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace Aspire.Azure.Security.KeyVault;

internal sealed class KeyVaultSecretsConfigurationSource(SecretClient client, KeyVaultSecretsConfigurationOptions options, IReadOnlyList<string> secretNames) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new KeyVaultSecretsConfigurationProvider(client, options, secretNames);
}
