using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Identity.Abstractions;
using Microsoft.Identity.Client;
using Web.Services;

namespace Web.Auth;

/// <summary>
/// Gets the API token for the signed-in user from Microsoft.Identity.Web's token cache. In a Blazor circuit there is
/// no HttpContext, so the user comes from the circuit's authentication state.
/// </summary>
public sealed class EntraAccessTokenProvider(IAuthorizationHeaderProvider headers, AuthenticationStateProvider authentication, WebAuthOptions options) : IAccessTokenProvider
{
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
    }
}
