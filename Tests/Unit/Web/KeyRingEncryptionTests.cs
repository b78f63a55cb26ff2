using System.Xml.Linq;
using Azure.Core;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Tests.TestDoubles.KeyVault;
using Web.Security;

namespace Tests.Unit.Web;

/// <summary>
/// The web's key ring, encrypted with a Key Vault key (envelope encryption through the vault's wrapkey/unwrapkey), as
/// two replicas that share one repository see it; against a Key Vault double that keeps real RSA keys and refuses what
/// Key Vault refuses.
/// </summary>
public sealed class KeyRingEncryptionTests
{
    private sealed class Credential(string token) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>The blob every replica reads and writes, as an in-memory repository.</summary>
    private sealed class SharedRepository : IXmlRepository
    {
        public List<XElement> Elements { get; } = [];

        public IReadOnlyCollection<XElement> GetAllElements() => [.. Elements];

        public void StoreElement(XElement element, string friendlyName) => Elements.Add(new XElement(element));
    }

    private static ServiceProvider Replica(SharedRepository repository, KeyVaultDouble vault, string token)
    {
        var services = new ServiceCollection();
        var wrapper = new KeyVaultKeyWrapper(new HttpClient(), new Credential(token), vault.KeyUri("dataprotection"));
        services.AddSingleton(wrapper);
        services.AddDataProtection().SetApplicationName(SharedKeyRing.ApplicationName)
            .AddKeyManagementOptions(options =>
            {
                options.XmlRepository = repository;
                options.XmlEncryptor = new KeyVaultXmlEncryptor(wrapper);
            });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task TwoReplicas_ShareTheKeyRing_AndItHoldsNoPlaintextKey()
    {
        await using var vault = await KeyVaultDouble.StartAsync("dataprotection");
        var repository = new SharedRepository();
        await using var first = Replica(repository, vault, vault.AcceptedToken);
        await using var second = Replica(repository, vault, vault.AcceptedToken);

        var sealedCookie = first.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies").Protect("user 42");
        var opened = second.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies").Unprotect(sealedCookie);

        Assert.Equal("user 42", opened);
        var stored = Assert.Single(repository.Elements).ToString();
        Assert.Contains("<encryptedKey", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", stored, StringComparison.Ordinal);
        Assert.Contains(nameof(KeyVaultXmlDecryptor), stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReplicaWithoutTheVaultKey_CannotReadTheKeyRing()
    {
        await using var vault = await KeyVaultDouble.StartAsync("dataprotection");
        var repository = new SharedRepository();
        await using var web = Replica(repository, vault, vault.AcceptedToken);
        // Another workload (the API's identity) that can reach the blob but holds no role on the key.
        await using var intruder = Replica(repository, vault, "token-of-the-api-identity");

        var sealedCookie = web.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies").Protect("user 42");

        Assert.ThrowsAny<Exception>(() => intruder.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies").Unprotect(sealedCookie));
    }

    [Fact]
    public async Task KeysWrappedBeforeARotation_StillUnwrap_WithTheirOwnVersion()
    {
        await using var vault = await KeyVaultDouble.StartAsync("dataprotection");
        var wrapper = new KeyVaultKeyWrapper(new HttpClient(), new Credential(vault.AcceptedToken), vault.KeyUri("dataprotection"));
        var element = new XElement("key", new XElement("masterKey", "secret material"));
        var encrypted = new KeyVaultXmlEncryptor(wrapper).Encrypt(element).EncryptedElement;

        vault.Rotate("dataprotection");
        var decrypted = new KeyVaultXmlDecryptor(new ServiceCollection().AddSingleton(wrapper).BuildServiceProvider()).Decrypt(encrypted);

        Assert.Equal(element.ToString(), decrypted.ToString());
        Assert.DoesNotContain("secret material", encrypted.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATamperedKey_IsRefused()
    {
        await using var vault = await KeyVaultDouble.StartAsync("dataprotection");
        var wrapper = new KeyVaultKeyWrapper(new HttpClient(), new Credential(vault.AcceptedToken), vault.KeyUri("dataprotection"));
        var encrypted = new KeyVaultXmlEncryptor(wrapper).Encrypt(new XElement("key", "secret material")).EncryptedElement;
        var value = Convert.FromBase64String(encrypted.Element("value")!.Value);
        value[0] ^= 0xFF;
        encrypted.Element("value")!.Value = Convert.ToBase64String(value);

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new KeyVaultXmlDecryptor(new ServiceCollection().AddSingleton(wrapper).BuildServiceProvider()).Decrypt(encrypted));
    }

    [Fact]
    public async Task ARingThatNamesAKeyInAnotherVault_IsRefused_BeforeAnyCall()
    {
        await using var vault = await KeyVaultDouble.StartAsync("dataprotection");
        var wrapper = new KeyVaultKeyWrapper(new HttpClient(), new Credential(vault.AcceptedToken), vault.KeyUri("dataprotection"));
        var encrypted = new KeyVaultXmlEncryptor(wrapper).Encrypt(new XElement("key", "x")).EncryptedElement;
        encrypted.Element("keyId")!.Value = "https://attacker.vault.azure.net/keys/dataprotection/1";
        var before = vault.Operations;

        var error = Assert.Throws<InvalidOperationException>(() => new KeyVaultXmlDecryptor(new ServiceCollection().AddSingleton(wrapper).BuildServiceProvider()).Decrypt(encrypted));

        Assert.Contains("outside the configured vault", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, vault.Operations);
    }
}
