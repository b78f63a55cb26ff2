using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Tests.TestDoubles.KeyVault;

/// <summary>
/// TEST DOUBLE for Azure Key Vault's key operations <c>wrapkey</c> and <c>unwrapkey</c> (Key Vault REST API 7.5): Key
/// Vault cannot be reached from CI. It holds real RSA keys with versions (a rotation adds one; old versions keep
/// unwrapping), and refuses what Key Vault refuses for these calls: no bearer token (401), a token it does not accept
/// (403, Forbidden), an unknown key or version (404, KeyNotFound), an algorithm other than RSA-OAEP-256 or a missing
/// api-version (400, BadParameter), and a value that its key did not wrap (400, BadParameter).
/// </summary>
public sealed class KeyVaultDouble : IAsyncDisposable
{
    private readonly Dictionary<string, List<(string Version, RSA Key)>> _keys = new(StringComparer.Ordinal);
    private WebApplication? _app;

    /// <summary>The bearer token the vault accepts (the identity holding Key Vault Crypto User on the keys).</summary>
    public string AcceptedToken { get; set; } = "token-of-the-web-identity";

    public Uri Endpoint { get; private set; } = null!;

    public int Operations { get; private set; }

    public static async Task<KeyVaultDouble> StartAsync(params string[] keys)
    {
        var vault = new KeyVaultDouble();
        foreach (var key in keys)
        {
            vault.Rotate(key);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/keys/{name}/{operation}", (string name, string operation, HttpRequest request) => vault.HandleAsync(name, null, operation, request));
        app.MapPost("/keys/{name}/{version}/{operation}", (string name, string version, string operation, HttpRequest request) => vault.HandleAsync(name, version, operation, request));
        await app.StartAsync();
        vault._app = app;
        vault.Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return vault;
    }

    /// <summary>Adds a new version of a key (what Key Vault's rotation policy does).</summary>
    public void Rotate(string name)
    {
        var versions = _keys.TryGetValue(name, out var list) ? list : _keys[name] = [];
        versions.Add((Guid.NewGuid().ToString("N"), RSA.Create(3072)));
    }

    public Uri KeyUri(string name) => new(Endpoint, $"keys/{name}");

    private async Task<IResult> HandleAsync(string name, string? version, string operation, HttpRequest request)
    {
        Operations++;
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Error(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
        }

        if (authorization["Bearer ".Length..] != AcceptedToken)
        {
            return Error(403, "Forbidden", "Caller is not authorized to perform action on resource.");
        }

        if (request.Query["api-version"].Count == 0)
        {
            return Error(400, "BadParameter", "The request URI contains an invalid api-version.");
        }

        if (!_keys.TryGetValue(name, out var versions) || (version is not null && versions.All(v => v.Version != version)))
        {
            return Error(404, "KeyNotFound", $"A key with (name/id) {name}/{version} was not found in this key vault.");
        }

        var body = (await JsonNode.ParseAsync(request.Body))!;
        if (body["alg"]?.GetValue<string>() != "RSA-OAEP-256")
        {
            return Error(400, "BadParameter", "Invalid algorithm.");
        }

        var (keyVersion, key) = version is null ? versions[^1] : versions.Single(v => v.Version == version);
        var value = Base64UrlEncoder.DecodeBytes(body["value"]!.GetValue<string>());
        byte[] result;
        switch (operation)
        {
            case "wrapkey":
                result = key.Encrypt(value, RSAEncryptionPadding.OaepSHA256);
                break;
            case "unwrapkey":
                try
                {
                    result = key.Decrypt(value, RSAEncryptionPadding.OaepSHA256);
                }
                catch (CryptographicException)
                {
                    return Error(400, "BadParameter", "The value could not be unwrapped with this key.");
                }

                break;
            default:
                return Error(400, "BadParameter", $"Unknown operation {operation}.");
        }

        return Results.Json(new JsonObject { ["kid"] = new Uri(Endpoint, $"keys/{name}/{keyVersion}").AbsoluteUri, ["value"] = Base64UrlEncoder.Encode(result) });
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        foreach (var (_, key) in _keys.Values.SelectMany(v => v))
        {
            key.Dispose();
        }
    }
}
