using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Web.Security;

/// <summary>
/// Encrypts each Data Protection key before it is stored: the key's XML with AES-256-GCM under a fresh data key, the data
/// key wrapped by the Key Vault key (envelope encryption). Whoever can read or write the key ring blob, but may not use
/// the vault key, can neither read the keys nor plant one the web would accept.
/// </summary>
public sealed class KeyVaultXmlEncryptor(KeyVaultKeyWrapper wrapper) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(dataKey, tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        }

        // The Data Protection key manager calls encryptors synchronously, once per new key (every 90 days).
        var (keyId, wrapped) = wrapper.WrapAsync(dataKey, CancellationToken.None).GetAwaiter().GetResult();
        CryptographicOperations.ZeroMemory(dataKey);
        var element = new XElement("encryptedKey",
            new XComment(" Encrypted with AES-256-GCM; the data key is wrapped by a Key Vault key (RSA-OAEP-256). "),
            new XElement("keyId", keyId),
            new XElement("wrappedKey", Convert.ToBase64String(wrapped)),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(KeyVaultXmlDecryptor));
    }
}
