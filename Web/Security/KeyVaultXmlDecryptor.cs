using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Web.Security;

/// <summary>
/// Decrypts a key <see cref="KeyVaultXmlEncryptor"/> encrypted. Data Protection creates decryptors by type, with the
/// service provider, so the wrapper comes from the services.
/// </summary>
public sealed class KeyVaultXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var wrapper = (KeyVaultKeyWrapper?)services.GetService(typeof(KeyVaultKeyWrapper))
            ?? throw new InvalidOperationException("The key ring is encrypted with a Key Vault key, but no DataProtection:KeyVaultKeyUri is configured.");
        string Value(string name) => encryptedElement.Element(name)?.Value ?? throw new CryptographicException($"The encrypted key has no {name}.");

        var dataKey = wrapper.UnwrapAsync(Value("keyId"), Convert.FromBase64String(Value("wrappedKey")), CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            var ciphertext = Convert.FromBase64String(Value("value"));
            var tag = Convert.FromBase64String(Value("tag"));
            var plaintext = new byte[ciphertext.Length];
            using (var aes = new AesGcm(dataKey, tag.Length))
            {
                aes.Decrypt(Convert.FromBase64String(Value("nonce")), ciphertext, tag, plaintext);
            }

            return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
