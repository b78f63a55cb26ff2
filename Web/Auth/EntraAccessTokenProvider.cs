using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Identity.Abstractions;
using Microsoft.Identity.Client;
using Microsoft.Identity.Web;
using Web.Services;

namespace Web.Auth;

/// <summary>
/// Gets the API token for the signed-in user from Microsoft.Identity.Web's token cache. In a Blazor circuit there is
/// no HttpContext, so the user comes from the circuit's authentication state.
/// </summary>
public sealed class EntraAccessTokenProvider(IAuthorizationHeaderProvider headers, AuthenticationStateProvider authentication, WebAuthOptions options) : IAccessTokenProvider
{
    /// <summary>The ID token kept from the sign-in (<see cref="SignInProof"/>): its <c>auth_time</c> says when the user last typed their credentials.</summary>
    public async Task<string?> GetSignInProofAsync() => (await authentication.GetAuthenticationStateAsync()).User.FindFirst(SignInProof.ClaimType)?.Value;

    public async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        try
        {
            var header = await headers.CreateAuthorizationHeaderForUserAsync(
                [options.ApiScope!],
                new AuthorizationHeaderProviderOptions(),
                state.User,
                cancellationToken);
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..] : header;
        }
        catch (MsalUiRequiredException ex)
        {
            throw new ChatApiException(ChatApiError.From(401, null), ex);
        }
        catch (MicrosoftIdentityWebChallengeUserException ex)
        {
            // Microsoft.Identity.Web wraps MSAL's "sign in again" (no cached account or tokens for this user: the shared
            // cache was emptied, or the refresh token expired) in its own exception. Unhandled, it is a 500 on the page.
            throw new ChatApiException(ChatApiError.From(401, null), ex);
        }
    }
}
