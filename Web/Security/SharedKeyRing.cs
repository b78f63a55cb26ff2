using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Web.Security;

/// <summary>
/// The Data Protection key ring every web replica shares (sign-in cookies, antiforgery tokens and the encrypted token
/// cache all depend on it): one blob (<c>DataProtection:BlobUri</c>) in a container only the web may touch, each key
/// encrypted with a Key Vault key (<c>DataProtection:KeyVaultKeyUri</c>). Locally, the default per-user key store.
/// </summary>
public static class SharedKeyRing
{
    public const string ApplicationName = "llmchat-web";

    /// <summary>Adds the shared key ring when <c>DataProtection:BlobUri</c> is configured.</summary>
    /// <param name="builder">The web application builder.</param>
    /// <param name="credential">The Azure credential; the pod's workload identity when not given.</param>
    /// <returns>The web application builder.</returns>
    public static WebApplicationBuilder AddSharedKeyRing(this WebApplicationBuilder builder, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        if (builder.Configuration["DataProtection:BlobUri"] is not { Length: > 0 } keyRing)
        {
            return builder;
        }

        credential ??= new DefaultAzureCredential();
        dataProtection.AddKeyManagementOptions(options => options.XmlRepository = new BlobXmlRepository(new BlobClient(new Uri(keyRing), credential)));
        if (builder.Configuration["DataProtection:KeyVaultKeyUri"] is { Length: > 0 } keyUri)
        {
            builder.Services.AddHttpClient(nameof(KeyVaultKeyWrapper));
            builder.Services.AddSingleton(services => new KeyVaultKeyWrapper(
                services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(KeyVaultKeyWrapper)), credential, new Uri(keyUri)));
            builder.Services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, services) =>
                options.XmlEncryptor = new KeyVaultXmlEncryptor(services.GetRequiredService<KeyVaultKeyWrapper>()));
        }
        else if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException("DataProtection:BlobUri is set without DataProtection:KeyVaultKeyUri: the shared key ring must be encrypted outside Development.");
        }

        return builder;
    }
}
