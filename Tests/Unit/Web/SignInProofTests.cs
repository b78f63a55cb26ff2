using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Web.Auth;
using Web.Services;

namespace Tests.Unit.Web;

/// <summary>
/// The web keeps the ID token of the user's sign-in in their session and shows it to the API when (and only when) it
/// creates a key, in the header the API reads (defined once, in Api/Keys/RecentSignInHeader.cs).
/// </summary>
public sealed class SignInProofTests
{
    [Fact]
    public async Task TheSignInsIdToken_IsKeptAsAClaim_AfterMicrosoftIdentityWebsOwnHandling()
    {
        var options = new OpenIdConnectOptions();
        var earlier = 0;
        options.Events.OnTokenValidated = _ => { earlier++; return Task.CompletedTask; };
        SignInProof.Keep(options);
        var identity = new ClaimsIdentity("test");
        var context = new Microsoft.AspNetCore.Authentication.OpenIdConnect.TokenValidatedContext(
            new Microsoft.AspNetCore.Http.DefaultHttpContext(), new Microsoft.AspNetCore.Authentication.AuthenticationScheme("oidc", null, typeof(OpenIdConnectHandler)), options, new ClaimsPrincipal(identity), new Microsoft.AspNetCore.Authentication.AuthenticationProperties())
        {
            ProtocolMessage = new OpenIdConnectMessage { IdToken = "header.payload.signature" },
        };

        await options.Events.TokenValidated(context);

        Assert.Equal(1, earlier);
        Assert.Equal("header.payload.signature", identity.FindFirst(SignInProof.ClaimType)?.Value);
    }

    [Fact]
    public async Task CreatingAKey_SendsTheProof_OtherCallsDoNot()
    {
        var handler = new RecordingHandler();
        var client = new ChatApiClient(new HttpClient(handler) { BaseAddress = new Uri("http://api") }, new ProofProvider());

        await client.CreateKeyAsync("ci", null, TestContext.Current.CancellationToken);
        await client.ListKeysAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["the id token"], handler.Requests[0].Headers.GetValues(Api.Keys.RecentSignInHeader.Name));
        Assert.False(handler.Requests[1].Headers.Contains(Api.Keys.RecentSignInHeader.Name));
    }

    private sealed class ProofProvider : IAccessTokenProvider
    {
        public Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>("access");

        public Task<string?> GetSignInProofAsync() => Task.FromResult<string?>("the id token");
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var body = request.Method == HttpMethod.Post
                ? "{\"info\":{\"id\":\"k\",\"name\":\"ci\",\"hint\":\"llmc_…\",\"createdAt\":\"2026-12-03T00:00:00Z\"},\"key\":\"llmc_x\"}"
                : "[]";
            return Task.FromResult(new HttpResponseMessage(request.Method == HttpMethod.Post ? HttpStatusCode.Created : HttpStatusCode.OK) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") });
        }
    }
}
