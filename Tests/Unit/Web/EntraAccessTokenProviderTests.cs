using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Identity.Abstractions;
using Microsoft.Identity.Client;
using Microsoft.Identity.Web;
using Web.Auth;
using Web.Services;

namespace Tests.Unit.Web;

/// <summary>
/// When MSAL cannot get the user's API token without them (no cached account or tokens: a new replica after the shared
/// store restarted, an expired refresh token), the page says "sign in again" (a 401 ChatApiError) instead of failing
/// with a 500. Microsoft.Identity.Web wraps MSAL's exception in its own: both forms are handled. (The wrapped form was
/// seen as a 500 in the Aspire harness, WebSessionTests, with the token cache per replica.)
/// </summary>
public sealed class EntraAccessTokenProviderTests
{
    public static TheoryData<string> Refusals => ["msal", "identity-web"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task UserInteractionRequired_IsASessionExpiredError_NotAFailure(string form)
    {
        var msal = new MsalUiRequiredException("user_null", "No account or login hint was passed to the AcquireTokenSilent call.");
        Exception thrown = form == "msal" ? msal : new MicrosoftIdentityWebChallengeUserException(msal, ["api://api/chat"]);
        var provider = new EntraAccessTokenProvider(new Refusing(thrown), new SignedIn(), new WebAuthOptions { UsesEntraId = true, ApiScope = "api://api/chat" });

        var error = await Assert.ThrowsAsync<ChatApiException>(() => provider.GetAccessTokenAsync(TestContext.Current.CancellationToken));

        Assert.Equal(ChatApiError.From(401, null).UserMessage, error.Error.UserMessage);
    }

    [Fact]
    public async Task AnotherFailure_IsNotMistakenForAnExpiredSession()
    {
        var provider = new EntraAccessTokenProvider(new Refusing(new MsalServiceException("temporarily_unavailable", "Entra is unavailable.")), new SignedIn(), new WebAuthOptions { UsesEntraId = true, ApiScope = "api://api/chat" });

        await Assert.ThrowsAsync<MsalServiceException>(() => provider.GetAccessTokenAsync(TestContext.Current.CancellationToken));
    }

    private sealed class SignedIn : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity([new Claim("oid", "user-1")], "test"))));
    }

    private sealed class Refusing(Exception exception) : IAuthorizationHeaderProvider
    {
        public Task<string> CreateAuthorizationHeaderForUserAsync(IEnumerable<string> scopes, AuthorizationHeaderProviderOptions? authorizationHeaderProviderOptions = null, ClaimsPrincipal? claimsPrincipal = null, CancellationToken cancellationToken = default) =>
            Task.FromException<string>(exception);

        public Task<string> CreateAuthorizationHeaderAsync(IEnumerable<string> scopes, AuthorizationHeaderProviderOptions? options = null, ClaimsPrincipal? claimsPrincipal = null, CancellationToken cancellationToken = default) =>
            Task.FromException<string>(exception);

        public Task<string> CreateAuthorizationHeaderForAppAsync(string scopes, AuthorizationHeaderProviderOptions? downstreamApiOptions = null, CancellationToken cancellationToken = default) =>
            Task.FromException<string>(exception);
    }
}
