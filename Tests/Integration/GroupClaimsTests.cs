using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tests.TestDoubles.Oidc;

namespace Tests.Integration;

/// <summary>
/// Groups as a real tenant delivers them, in tokens the issuer double makes as Entra does (no <c>groups</c> claim unless
/// the API's registration asks, only the application's groups with <c>ApplicationGroup</c>, the overage marker past
/// 200): a group-only model is offered only to a member whose token carries the group, and a token whose groups are
/// too many to carry is refused on every route with <c>groups_overage</c>, never treated as a user without groups.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class GroupClaimsTests(AppFixture app)
{
    private const string Audience = "api://llm-chat-api";
    private const string TeamModel = "team-chat";
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(GroupMembershipClaims.None, true, false)]
    [InlineData(GroupMembershipClaims.ApplicationGroup, false, false)]
    [InlineData(GroupMembershipClaims.ApplicationGroup, true, true)]
    [InlineData(GroupMembershipClaims.SecurityGroup, false, true)]
    public async Task GroupOnlyModel_IsOffered_OnlyWhenTheTokenCarriesTheGroup(GroupMembershipClaims claims, bool groupAssignedToTheApp, bool offered)
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var api = JwtApi(issuer, out var team);
        using var client = api.CreateClient();
        var token = issuer.EntraAccessToken(Audience, Guid.NewGuid().ToString(), claims, memberOf: [team, Guid.NewGuid().ToString()],
            assignedToApp: groupAssignedToTheApp ? [team] : []);

        using var models = await SendAsync(client, "/v1/models", token);

        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        var ids = (await models.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(offered, ids.Contains(TeamModel));
        Assert.Contains(AppFixture.Model, ids);
    }

    [Fact]
    public async Task TokenWithTheGroupsOverageMarker_IsRefusedOnEveryRoute_WithWhatAnAdminCanDo()
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var api = JwtApi(issuer, out var team);
        using var client = api.CreateClient();
        var many = Enumerable.Range(0, OidcIssuerDouble.GroupClaimLimit).Select(_ => Guid.NewGuid().ToString()).Append(team).ToList();
        var overage = issuer.EntraAccessToken(Audience, Guid.NewGuid().ToString(), GroupMembershipClaims.ApplicationGroup, memberOf: many, assignedToApp: many);
        var atTheLimit = issuer.EntraAccessToken(Audience, Guid.NewGuid().ToString(), GroupMembershipClaims.ApplicationGroup, memberOf: many.Skip(1).ToList(), assignedToApp: many);

        using var openAi = await SendAsync(client, "/v1/models", overage);
        using var api2 = await SendAsync(client, "/api/conversations", overage);
        using var fits = await SendAsync(client, "/v1/models", atTheLimit);

        Assert.Equal(HttpStatusCode.Forbidden, openAi.StatusCode);
        var error = (await openAi.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
        Assert.Equal("groups_overage", error.GetProperty("code").GetString());
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
        Assert.Contains("assign fewer groups to the API's enterprise application", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, api2.StatusCode);
        Assert.Equal("groups_overage", (await api2.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
    }

    /// <summary>The API with real JWT auth and a chat model only the members of a new group may use.</summary>
    private InProcessApiFactory JwtApi(OidcIssuerDouble issuer, out string team)
    {
        team = Guid.NewGuid().ToString();
        return new(app, "Development", new Dictionary<string, string?>
        {
            ["Auth:DevUser:Enabled"] = "false",
            ["Auth:Jwt:Authority"] = issuer.Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:RequiredScope"] = "chat",
            ["Auth:Jwt:ClientIds:0"] = OidcIssuerDouble.ClientId,
            [$"Llm:Models:{AppFixture.Model}:Default"] = "true",
            [$"ConnectionStrings:{TeamModel}"] = $"Endpoint={app.Ollama.Endpoint};Model={AppFixture.Tag}",
            [$"Llm:Models:{TeamModel}:Kind"] = "Chat",
            [$"Llm:Models:{TeamModel}:AllowedGroups:0"] = team,
        });
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request, Cancellation);
    }
}
