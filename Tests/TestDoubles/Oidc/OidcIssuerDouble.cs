using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Tests.TestDoubles.Oidc;

/// <summary>
/// TEST DOUBLE for Entra ID as a token issuer: Entra cannot be reached from CI. It serves the OpenID Connect
/// discovery document and a JWKS over real HTTP, so the API's JWT bearer handler fetches keys and validates tokens
/// exactly as it does against Entra; tests mint RS256 tokens with Entra's claims (<c>oid</c>, <c>scp</c>).
/// </summary>
public sealed class OidcIssuerDouble : IAsyncDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private WebApplication? _app;

    private OidcIssuerDouble()
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = "test-key-1" };
    }

    public string Issuer { get; private set; } = string.Empty;

    public static async Task<OidcIssuerDouble> StartAsync()
    {
        var issuer = new OidcIssuerDouble();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        // Served at the root (a plain issuer) and under /{tenant}/v2.0 (how Microsoft.Identity.Web builds the authority).
        IResult Discovery() => Results.Json(new JsonObject
        {
            ["issuer"] = issuer.Issuer,
            ["authorization_endpoint"] = $"{issuer.Issuer}/oauth2/v2.0/authorize",
            ["token_endpoint"] = $"{issuer.Issuer}/oauth2/v2.0/token",
            ["end_session_endpoint"] = $"{issuer.Issuer}/oauth2/v2.0/logout",
            ["jwks_uri"] = $"{issuer.Issuer}/discovery/v2.0/keys",
            ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token"),
            ["subject_types_supported"] = new JsonArray("pairwise"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        });
        app.MapGet("/.well-known/openid-configuration", Discovery);
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => Discovery());
        app.MapGet("/discovery/v2.0/keys", () =>
        {
            var parameters = issuer._rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["kid"] = issuer._key.KeyId,
                    ["alg"] = "RS256",
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                }),
            });
        });
        await app.StartAsync();
        issuer._app = app;
        issuer.Issuer = app.Urls.First().TrimEnd('/');
        return issuer;
    }

    /// <summary>The client the tests' tokens are issued to (their <c>azp</c>), unless a test names another.</summary>
    public const string ClientId = "web-client";

    /// <summary>The most groups Entra puts in a JWT; past it, the overage marker instead.</summary>
    public const int GroupClaimLimit = 200;

    /// <summary>
    /// An access token for the API as Entra issues it to a user in <paramref name="memberOf"/>, given how the API's app
    /// registration asks for groups (learn.microsoft.com, "Configure group claims for applications"; the access token
    /// claims reference): no <c>groups</c> claim unless <c>groupMembershipClaims</c> asks for one; with
    /// <c>ApplicationGroup</c>, only the user's groups that are assigned to the application's enterprise app; past 200
    /// groups, no <c>groups</c> claim at all but <c>_claim_names</c> and <c>_claim_sources</c> pointing at Graph.
    /// </summary>
    public string EntraAccessToken(string audience, string objectId, GroupMembershipClaims groupClaims, IReadOnlyCollection<string> memberOf,
        IReadOnlyCollection<string>? assignedToApp = null, IReadOnlyList<string>? roles = null)
    {
        ArgumentNullException.ThrowIfNull(memberOf);
        IReadOnlyCollection<string> carried = groupClaims switch
        {
            GroupMembershipClaims.None => [],
            GroupMembershipClaims.ApplicationGroup => [.. memberOf.Where(g => assignedToApp?.Contains(g) == true)],
            _ => memberOf,
        };
        var claims = new Dictionary<string, object>();
        if (carried.Count > GroupClaimLimit)
        {
            claims["_claim_names"] = new Dictionary<string, object> { ["groups"] = "src1" };
            claims["_claim_sources"] = new Dictionary<string, object>
            {
                ["src1"] = new Dictionary<string, object> { ["endpoint"] = $"https://graph.windows.net/{Guid.Empty}/users/{objectId}/getMemberObjects" },
            };
        }
        else if (carried.Count > 0)
        {
            claims["groups"] = carried.ToArray();
        }

        return CreateToken(audience, objectId, roles: roles, extraClaims: claims);
    }

    /// <param name="roles">The app roles, as Entra ID writes them: a <c>roles</c> array, even of one.</param>
    public string CreateToken(string audience, string objectId, string? scope = "chat", DateTime? expires = null, string clientId = ClientId, IReadOnlyList<string>? roles = null,
        IReadOnlyDictionary<string, object>? extraClaims = null)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("oid", objectId), new("sub", "pairwise-" + objectId), new("name", "Test User " + objectId), new("azp", clientId) };
        if (scope is not null)
        {
            claims.Add(new Claim("scp", scope));
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = (expires ?? now.AddHours(1)).AddHours(-2),
            NotBefore = (expires ?? now.AddHours(1)).AddHours(-2),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            Claims = Claims(roles, extraClaims),
        });
    }

    private static Dictionary<string, object>? Claims(IReadOnlyList<string>? roles, IReadOnlyDictionary<string, object>? extra)
    {
        if (roles is null && extra is null)
        {
            return null;
        }

        var claims = new Dictionary<string, object>(extra ?? new Dictionary<string, object>());
        if (roles is not null)
        {
            claims["roles"] = roles.ToArray();
        }

        return claims;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }
}
