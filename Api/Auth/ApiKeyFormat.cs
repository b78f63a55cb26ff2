using System.Security.Cryptography;
using System.Text;

namespace Api.Auth;

/// <summary>
/// A personal API key: <c>llmc_</c> and 32 random bytes in base64url. Only its SHA-256 is stored; the key itself is
/// shown once, when it is created. Its first characters (<see cref="Hint"/>) name it in lists.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "llmc_";

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Whether a bearer token is shaped like one of our keys (then it is never sent to the JWT handler).</summary>
    public static bool Looks(string? token) => token is { Length: > 5 and < 128 } && token.StartsWith(Prefix, StringComparison.Ordinal);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Hint(string key) => key[..Math.Min(key.Length, Prefix.Length + 6)] + "…";

    public static string NewId() => Guid.NewGuid().ToString("N")[..12];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
