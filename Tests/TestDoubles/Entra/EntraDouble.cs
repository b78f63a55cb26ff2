using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tests.TestDoubles.Network;

namespace Tests.TestDoubles.Entra;

/// <summary>
/// TEST DOUBLE for Microsoft Entra ID's v2.0 endpoints, served over HTTPS as <c>login.microsoftonline.com</c> (a
/// certificate from a test authority, reached through <see cref="ConnectProxy"/>): Entra cannot be reached from CI. The
/// web (Microsoft.Identity.Web and MSAL, unchanged) and the API (JWT bearer) talk to it as to Entra: discovery, keys,
/// the authorization code flow with PKCE and <c>client_info</c>, and refresh tokens. It refuses what Entra refuses for
/// the calls they make (Microsoft identity platform docs, "OAuth 2.0 authorization code flow" and the AADSTS error
/// codes): an unknown app (AADSTS700016), a redirect URI the app does not register (AADSTS50011), a wrong client secret
/// (AADSTS7000215), a code redeemed twice (AADSTS54005), a PKCE verifier that does not match (AADSTS501481), a code
/// redeemed for another redirect URI or client, an unknown refresh token. The test plays the user's sign-in page with
/// <see cref="SignIn"/>.
/// </summary>
public sealed class EntraDouble : IAsyncDisposable
{
    public const string Host = "login.microsoftonline.com";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly ConcurrentDictionary<string, Authorization> _codes = new();
    private readonly ConcurrentDictionary<string, (string ClientId, string ObjectId, string Name, string Scope, DateTimeOffset AuthTime)> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, App> _apps = new(StringComparer.Ordinal);
    private WebApplication? _app;

    private EntraDouble(TestCertificateAuthority authority)
    {
        Authority = authority;
        _key = new RsaSecurityKey(_rsa) { KeyId = "entra-double-1" };
    }

    public string TenantId { get; } = Guid.NewGuid().ToString();

    public string Issuer => $"https://{Host}/{TenantId}/v2.0";

    public TestCertificateAuthority Authority { get; }

    public ConnectProxy Proxy { get; private set; } = null!;

    /// <summary>What a process needs to reach this double as Entra: the proxy, and trust in the test authority.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment =>
        new Dictionary<string, string>(Authority.TrustEnvironment) { ["HTTPS_PROXY"] = Proxy.Url, ["NO_PROXY"] = "localhost,127.0.0.1" };

    /// <summary>Sign-ins the user completed (authorization requests answered with a code).</summary>
    public int SignIns => _signIns;

    /// <summary>Every token request, in order: its grant type and client.</summary>
    public ConcurrentQueue<(string GrantType, string ClientId, string? Error)> TokenRequests { get; } = new();

    private int _signIns;

    public static async Task<EntraDouble> StartAsync(TestCertificateAuthority authority)
    {
        var entra = new EntraDouble(authority);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = authority.IssueServerCertificate(Host);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => entra.Discovery(tenant));
        app.MapGet("/{tenant}/discovery/v2.0/keys", entra.Keys);
        app.MapGet("/common/discovery/instance", entra.InstanceDiscovery);
        app.MapPost("/{tenant}/oauth2/v2.0/token", (string tenant, HttpContext context) => entra.TokenAsync(tenant, context));
        await app.StartAsync();
        entra._app = app;
        var port = new Uri(app.Urls.First()).Port;
        entra.Proxy = new ConnectProxy(new Dictionary<string, IPEndPoint> { [$"{Host}:443"] = new(IPAddress.Loopback, port) });
        return entra;
    }

    /// <summary>Registers an app: its client secret and redirect URIs (a web app), or its API scope (an API).</summary>
    /// <param name="idTokenOptionalClaims">The app registration's <c>optionalClaims.idToken</c> names: Entra adds
    /// <c>auth_time</c> to an ID token only when the app asks for it (Entra docs, optional claims reference).</param>
    public void Register(string clientId, string? secret = null, IEnumerable<string>? redirectUris = null, IEnumerable<string>? idTokenOptionalClaims = null) =>
        _apps[clientId] = new App(secret, [.. redirectUris ?? []], [.. idTokenOptionalClaims ?? []]);

    /// <summary>An ID token as Entra issues it to <paramref name="clientId"/> for a user who typed their credentials at <paramref name="authTime"/>.</summary>
    public string IdToken(string clientId, string objectId, string name, DateTimeOffset authTime) =>
        IdToken(clientId, objectId, name, null, authTime);

    /// <summary>
    /// The user signs in on the authorize page the web sent the browser to: the request is checked as Entra checks it,
    /// and the answer is what Entra posts back to the redirect URI (response_mode=form_post).
    /// </summary>
    public (Uri RedirectUri, IReadOnlyDictionary<string, string> Form) SignIn(Uri authorizeUrl, string objectId, string name)
    {
        if (authorizeUrl.Host != Host || authorizeUrl.AbsolutePath != $"/{TenantId}/oauth2/v2.0/authorize")
        {
            throw new InvalidOperationException($"Not this tenant's authorize endpoint: {authorizeUrl}");
        }

        var query = QueryHelpers.ParseQuery(authorizeUrl.Query).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        string Get(string key) => query.TryGetValue(key, out var value) ? value : string.Empty;
        if (!_apps.TryGetValue(Get("client_id"), out var app))
        {
            throw new InvalidOperationException($"AADSTS700016: Application with identifier '{Get("client_id")}' was not found in the directory.");
        }

        if (!app.RedirectUris.Contains(Get("redirect_uri")))
        {
            throw new InvalidOperationException($"AADSTS50011: The redirect URI '{Get("redirect_uri")}' specified in the request does not match the redirect URIs configured for the application.");
        }

        if (Get("response_type") != "code" || !Get("scope").Split(' ').Contains("openid") || (query.ContainsKey("code_challenge") && Get("code_challenge_method") != "S256"))
        {
            throw new InvalidOperationException($"AADSTS900144: the request is not an authorization code request with openid and S256 PKCE: {authorizeUrl.Query}");
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        // Every sign-in through this page is interactive (prompt=login or not): its time is the ID tokens' auth_time.
        _codes[code] = new Authorization(Get("client_id"), Get("redirect_uri"), Get("code_challenge"), Get("nonce"), Get("scope"), objectId, name, DateTimeOffset.UtcNow);
        Interlocked.Increment(ref _signIns);
        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["code"] = code, ["state"] = Get("state"), ["session_state"] = Guid.NewGuid().ToString() };
        if (Get("client_info") == "1")
        {
            form["client_info"] = ClientInfo(objectId);
        }

        return (new Uri(Get("redirect_uri")), form);
    }

    /// <summary>An access token for an API, as Entra would issue it to a client acting for the user.</summary>
    public string AccessToken(string apiClientId, string clientId, string objectId, string name, string scope = "chat") =>
        Sign(new Dictionary<string, object>
        {
            ["aud"] = apiClientId,
            ["azp"] = clientId,
            ["scp"] = scope,
            ["oid"] = objectId,
            ["tid"] = TenantId,
            ["sub"] = "pairwise-" + objectId,
            ["name"] = name,
            ["ver"] = "2.0",
        });

    private IResult Discovery(string tenant) => tenant != TenantId ? Results.NotFound() : Results.Json(new JsonObject
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = $"https://{Host}/{TenantId}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"https://{Host}/{TenantId}/oauth2/v2.0/token",
        ["end_session_endpoint"] = $"https://{Host}/{TenantId}/oauth2/v2.0/logout",
        ["jwks_uri"] = $"https://{Host}/{TenantId}/discovery/v2.0/keys",
        ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
        ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
        ["subject_types_supported"] = new JsonArray("pairwise"),
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
        ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
    });

    private IResult Keys()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return Results.Json(new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = _key.KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                ["issuer"] = $"https://{Host}/{{tenantid}}/v2.0",
            }),
        });
    }

    private IResult InstanceDiscovery() => Results.Json(new JsonObject
    {
        ["tenant_discovery_endpoint"] = $"https://{Host}/{TenantId}/v2.0/.well-known/openid-configuration",
        ["api-version"] = "1.1",
        ["metadata"] = new JsonArray(new JsonObject
        {
            ["preferred_network"] = Host,
            ["preferred_cache"] = "login.windows.net",
            ["aliases"] = new JsonArray(Host, "login.windows.net", "login.microsoft.com", "sts.windows.net"),
        }),
    });

    private async Task<IResult> TokenAsync(string tenant, HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        string Get(string key) => form[key].ToString();
        var grant = Get("grant_type");
        var clientId = Get("client_id");
        IResult Refuse(string error, string description)
        {
            TokenRequests.Enqueue((grant, clientId, description));
            return Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: 400);
        }

        if (tenant != TenantId || !_apps.TryGetValue(clientId, out var app))
        {
            return Refuse("unauthorized_client", $"AADSTS700016: Application with identifier '{clientId}' was not found in the directory '{tenant}'.");
        }

        if (app.Secret is null || Get("client_secret") != app.Secret)
        {
            return Refuse("invalid_client", "AADSTS7000215: Invalid client secret provided.");
        }

        (string ObjectId, string Name, string Scope, string? Nonce, DateTimeOffset AuthTime) grantFor;
        if (grant == "authorization_code")
        {
            if (!_codes.TryRemove(Get("code"), out var code))
            {
                return Refuse("invalid_grant", "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
            }

            if (code.ClientId != clientId || code.RedirectUri != Get("redirect_uri"))
            {
                return Refuse("invalid_grant", "AADSTS70000: The provided authorization code was issued to another client or redirect URI.");
            }

            if (code.Challenge.Length > 0 && Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(Get("code_verifier")))) != code.Challenge)
            {
                return Refuse("invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }

            grantFor = (code.ObjectId, code.Name, Get("scope").Length > 0 ? Get("scope") : code.Scope, code.Nonce, code.AuthTime);
        }
        else if (grant == "refresh_token")
        {
            if (!_refreshTokens.TryGetValue(Get("refresh_token"), out var known) || known.ClientId != clientId)
            {
                return Refuse("invalid_grant", "AADSTS9002313: Invalid request. The refresh token is malformed or not valid for this client.");
            }

            // A refreshed ID token keeps the sign-in's auth_time: refreshing is not signing in.
            grantFor = (known.ObjectId, known.Name, Get("scope").Length > 0 ? Get("scope") : known.Scope, null, known.AuthTime);
        }
        else
        {
            return Refuse("unsupported_grant_type", $"AADSTS70003: The app requested an unsupported grant type '{grant}'.");
        }

        TokenRequests.Enqueue((grant, clientId, null));
        var scopes = grantFor.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var resource = scopes.FirstOrDefault(s => s.StartsWith("api://", StringComparison.Ordinal));
        var refresh = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _refreshTokens[refresh] = (clientId, grantFor.ObjectId, grantFor.Name, grantFor.Scope, grantFor.AuthTime);
        var response = new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3599,
            ["ext_expires_in"] = 3599,
            ["refresh_token"] = refresh,
            ["client_info"] = ClientInfo(grantFor.ObjectId),
            ["id_token"] = IdToken(clientId, grantFor.ObjectId, grantFor.Name, grantFor.Nonce, app.IdTokenOptionalClaims.Contains("auth_time") ? grantFor.AuthTime : null),
        };
        if (resource is not null)
        {
            // api://{api client id}/{scope}: an Entra v2 access token's audience is the API's client id.
            var api = resource["api://".Length..].Split('/');
            response["scope"] = resource;
            response["access_token"] = AccessToken(api[0], clientId, grantFor.ObjectId, grantFor.Name, api[1]);
        }

        return Results.Json(response);
    }

    private string IdToken(string clientId, string objectId, string name, string? nonce, DateTimeOffset? authTime)
    {
        var claims = new Dictionary<string, object>
        {
            ["aud"] = clientId,
            ["oid"] = objectId,
            ["tid"] = TenantId,
            ["sub"] = "pairwise-" + objectId,
            ["name"] = name,
            ["preferred_username"] = $"{objectId}@contoso.com",
            ["ver"] = "2.0",
        };
        if (!string.IsNullOrEmpty(nonce))
        {
            claims["nonce"] = nonce;
        }

        if (authTime is { } signedInAt)
        {
            claims["auth_time"] = signedInAt.ToUnixTimeSeconds();
        }

        return Sign(claims);
    }

    private string Sign(Dictionary<string, object> claims)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Claims = claims,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    private string ClientInfo(string objectId) =>
        Base64UrlEncoder.Encode(new JsonObject { ["uid"] = objectId, ["utid"] = TenantId }.ToJsonString());

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }

    private sealed record App(string? Secret, HashSet<string> RedirectUris, HashSet<string> IdTokenOptionalClaims);

    private sealed record Authorization(string ClientId, string RedirectUri, string Challenge, string Nonce, string Scope, string ObjectId, string Name, DateTimeOffset AuthTime);
}
