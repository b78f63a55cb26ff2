using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.IdentityModel.Tokens;

namespace Web.Security;

/// <summary>
/// Wraps and unwraps a data key with an RSA key that never leaves Key Vault (the vault's <c>wrapkey</c> and
/// <c>unwrapkey</c> operations, RSA-OAEP-256), as the web's workload identity, which holds Key Vault Crypto User on that
/// key alone. The same job as Azure.Security.KeyVault.Keys' CryptographyClient, which this registry does not serve.
/// </summary>
public sealed class KeyVaultKeyWrapper(HttpClient http, TokenCredential credential, Uri keyUri)
{
    private const string ApiVersion = "7.5";
    private const string Algorithm = "RSA-OAEP-256";
    private static readonly string[] Scopes = ["https://vault.azure.net/.default"];

    /// <summary>The key the data keys are wrapped with (its latest version at wrap time).</summary>
    public Uri KeyUri { get; } = keyUri;

    /// <summary>Wraps <paramref name="dataKey"/>; returns the versioned key id that wrapped it and the wrapped bytes.</summary>
    public async Task<(string KeyId, byte[] Wrapped)> WrapAsync(byte[] dataKey, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(new Uri($"{KeyUri.AbsoluteUri.TrimEnd('/')}/wrapkey?api-version={ApiVersion}"), dataKey, cancellationToken);
        return (answer["kid"]!.GetValue<string>(), Base64UrlEncoder.DecodeBytes(answer["value"]!.GetValue<string>()));
    }

    /// <summary>Unwraps with the exact key version that wrapped (a rotated key keeps its old versions for this).</summary>
    public async Task<byte[]> UnwrapAsync(string keyId, byte[] wrapped, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var key) || key.Host != KeyUri.Host)
        {
            throw new InvalidOperationException($"The key ring names a wrapping key ({keyId}) outside the configured vault {KeyUri.Host}.");
        }

        var answer = await SendAsync(new Uri($"{key.AbsoluteUri.TrimEnd('/')}/unwrapkey?api-version={ApiVersion}"), wrapped, cancellationToken);
        return Base64UrlEncoder.DecodeBytes(answer["value"]!.GetValue<string>());
    }

    private async Task<JsonNode> SendAsync(Uri uri, byte[] value, CancellationToken cancellationToken)
    {
        var token = await credential.GetTokenAsync(new TokenRequestContext(Scopes), cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(new JsonObject { ["alg"] = Algorithm, ["value"] = Base64UrlEncoder.Encode(value) }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Key Vault refused {uri.AbsolutePath} ({(int)response.StatusCode}): {body}");
        }

        return JsonNode.Parse(body)!;
    }
}
