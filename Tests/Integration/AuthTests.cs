using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tests.TestDoubles.Oidc;

namespace Tests.Integration;

/// <summary>JWT bearer auth (Entra ID shape) and the guard against the development user outside Development.</summary>
[Collection(AppCollection.Name)]
public sealed class AuthTests(AppFixture app)
{
    private const string Audience = "api://llm-chat-api";
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Production_AnonymousCall_Is401_WhileProbesStillAnswer()
    {
        await using var api = new InProcessApiFactory(app, "Production", new Dictionary<string, string?>
        {
            ["Auth:Jwt:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:RequiredScope"] = "chat",
            ["Auth:Jwt:ClientIds:0"] = "web-client",
        });
        using var client = api.CreateClient();

        using var list = await client.GetAsync("/api/conversations", Cancellation);
        using var send = await client.PostAsJsonAsync("/api/conversations/0123/messages", new { content = "hi" }, Cancellation);
        using var devHeader = await SendWithDevHeaderAsync(client);
        using var alive = await client.GetAsync("/alive", Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, send.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, devHeader.StatusCode);
        Assert.Equal("Bearer", list.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Production_DevUserEnabled_RefusesToStart()
    {
        await using var api = new InProcessApiFactory(app, "Production", new Dictionary<string, string?> { ["Auth:DevUser:Enabled"] = "true" });

        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("Auth:DevUser:Enabled", error.ToString());
    }

    [Fact]
    public async Task Production_NoJwtSettings_RefusesToStart()
    {
        await using var api = new InProcessApiFactory(app, "Production", new Dictionary<string, string?>());

        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("Auth:Jwt:Authority", error.ToString());
    }

    [Theory]
    [InlineData("Auth:Jwt:RequiredScope")]
    [InlineData("Auth:Jwt:ClientIds")]
    public async Task Production_WithoutTheScopeOrTheAcceptedClients_RefusesToStart(string missing)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Jwt:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:RequiredScope"] = "chat",
            ["Auth:Jwt:ClientIds:0"] = "web-client",
        };
        settings.Remove(missing == "Auth:Jwt:ClientIds" ? "Auth:Jwt:ClientIds:0" : missing);
        await using var api = new InProcessApiFactory(app, "Production", settings);

        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("Auth:Jwt:RequiredScope and Auth:Jwt:ClientIds", error.ToString());
    }

    [Fact]
    public async Task BearerToken_FromTheIssuer_IsAccepted_AndEachUserSeesOnlyTheirOwn()
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var api = JwtApi(issuer);
        using var client = api.CreateClient();
        var alice = issuer.CreateToken(Audience, "11111111-aaaa-4000-8000-000000000001");
        var bob = issuer.CreateToken(Audience, "22222222-bbbb-4000-8000-000000000002");

        using var created = await SendAsync(client, HttpMethod.Post, "/api/conversations", alice, new { title = "alice's" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetString();
        using var aliceReads = await SendAsync(client, HttpMethod.Get, $"/api/conversations/{id}", alice);
        using var bobReads = await SendAsync(client, HttpMethod.Get, $"/api/conversations/{id}", bob);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, aliceReads.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobReads.StatusCode);
    }

    [Theory]
    [InlineData("wrong-audience")]
    [InlineData("expired")]
    [InlineData("missing-scope")]
    [InlineData("tampered")]
    [InlineData("another-client")]
    public async Task BearerToken_Invalid_Is401Or403(string defect)
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var api = JwtApi(issuer);
        using var client = api.CreateClient();
        var token = defect switch
        {
            "wrong-audience" => issuer.CreateToken("api://someone-else", "33333333-cccc-4000-8000-000000000003"),
            "expired" => issuer.CreateToken(Audience, "33333333-cccc-4000-8000-000000000003", expires: DateTime.UtcNow.AddMinutes(-10)),
            "missing-scope" => issuer.CreateToken(Audience, "33333333-cccc-4000-8000-000000000003", scope: null),
            // Issued by the tenant for this API and scope, but to an app the API does not accept (its azp).
            "another-client" => issuer.CreateToken(Audience, "33333333-cccc-4000-8000-000000000003", clientId: "some-other-app"),
            _ => issuer.CreateToken(Audience, "33333333-cccc-4000-8000-000000000003")[..^4] + "AAAA",
        };

        using var response = await SendAsync(client, HttpMethod.Get, "/api/conversations", token);

        Assert.Equal(defect == "missing-scope" ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// Junk tokens from an address shared with real users (a NAT, a node's address; here every request of the test
    /// server) are answered 429 past the limit, and a valid token from the same address still signs in: the limiter
    /// never refuses a credential it has not checked. Before: the address was refused unread, valid tokens included.
    /// </summary>
    [Fact]
    public async Task JunkTokensFromASharedAddress_Get429PastTheLimit_WhileAValidTokenStillSignsIn()
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var api = JwtApi(issuer, failedAuthenticationsPerMinute: 5);
        using var client = api.CreateClient();
        var junk = issuer.CreateToken(Audience, "44444444-dddd-4000-8000-000000000004")[..^4] + "AAAA";
        var valid = issuer.CreateToken(Audience, "55555555-eeee-4000-8000-000000000005");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var refused = await SendAsync(client, HttpMethod.Get, "/api/conversations", junk);
            statuses.Add(refused.StatusCode);
        }

        using var signedIn = await SendAsync(client, HttpMethod.Get, "/api/conversations", valid);
        using var stillLimited = await SendAsync(client, HttpMethod.Get, "/api/conversations", junk);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], statuses);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);
        Assert.Equal("authentication_failures", JsonDocument.Parse(await stillLimited.Content.ReadAsStringAsync(Cancellation)).RootElement.GetProperty("code").GetString());
        Assert.NotNull(stillLimited.Headers.RetryAfter);
    }

    /// <summary>
    /// The admin routes with real tokens: the app roles are read from the token's <c>roles</c> array only. A role
    /// spelled otherwise, a role's name in the scope, or the role without the API's scope is refused.
    /// </summary>
    [Theory]
    [InlineData("admin", "GET", "/api/admin/usage", 200, null)]
    [InlineData("admin", "DELETE", "/api/admin/users/someone/keys/none", 404, "not_found")]
    [InlineData("auditor", "GET", "/api/admin/usage", 200, null)]
    [InlineData("auditor", "DELETE", "/api/admin/users/someone/keys/none", 403, "admin_role_required")]
    [InlineData("no-roles", "GET", "/api/admin/usage", 403, "admin_role_required")]
    [InlineData("role-in-scope", "GET", "/api/admin/usage", 403, "admin_role_required")]
    [InlineData("both-in-one-string", "GET", "/api/admin/usage", 403, "admin_role_required")]
    [InlineData("admin-without-scope", "GET", "/api/admin/usage", 403, "forbidden")]
    [InlineData("admin-expired", "GET", "/api/admin/usage", 401, "unauthenticated")]
    public async Task BearerToken_AdminRoutes_TakeTheRoleFromTheTokensRolesOnly(string caller, string method, string path, int status, string? code)
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var api = JwtApi(issuer);
        using var client = api.CreateClient();
        const string user = "44444444-dddd-4000-8000-000000000004";
        var token = caller switch
        {
            "admin" => issuer.CreateToken(Audience, user, roles: ["Admin"]),
            "auditor" => issuer.CreateToken(Audience, user, roles: ["Auditor"]),
            "role-in-scope" => issuer.CreateToken(Audience, user, scope: "chat Admin"),
            "both-in-one-string" => issuer.CreateToken(Audience, user, roles: ["Admin Auditor"]),
            "admin-without-scope" => issuer.CreateToken(Audience, user, scope: null, roles: ["Admin"]),
            "admin-expired" => issuer.CreateToken(Audience, user, expires: DateTime.UtcNow.AddMinutes(-10), roles: ["Admin"]),
            _ => issuer.CreateToken(Audience, user),
        };

        using var response = await SendAsync(client, new HttpMethod(method), path, token);
        var body = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, code is null ? null : JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    private InProcessApiFactory JwtApi(OidcIssuerDouble issuer, int failedAuthenticationsPerMinute = 20) =>
        // Development, because the issuer double speaks plain HTTP; the dev user stays off.
        new(app, "Development", new Dictionary<string, string?>
        {
            ["Auth:DevUser:Enabled"] = "false",
            ["Auth:Jwt:Authority"] = issuer.Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:RequiredScope"] = "chat",
            ["Auth:Jwt:ClientIds:0"] = OidcIssuerDouble.ClientId,
            ["Auth:FailedAuthenticationsPerMinute"] = failedAuthenticationsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private static async Task<HttpResponseMessage> SendWithDevHeaderAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Add("X-Dev-User", "someone");
        return await client.SendAsync(request, Cancellation);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request, Cancellation);
    }
}
