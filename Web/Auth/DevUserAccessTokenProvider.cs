using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Web.Services;

namespace Web.Auth;

/// <summary>
/// Development: no token is sent. The API's development user stands in for the default user; another development user
/// (<see cref="DevUserAuthenticationHandler"/>) is named to the API with its development headers, roles and groups
/// included. In a Blazor circuit there is no HttpContext, so the user comes from the circuit's authentication state.
/// </summary>
public sealed class DevUserAccessTokenProvider(AuthenticationStateProvider authentication, IHttpContextAccessor http) : IAccessTokenProvider
{
    public Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task<string?> GetSignInProofAsync() => Task.FromResult<string?>(null);

    public async Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = http.HttpContext?.User is { Identity.IsAuthenticated: true } current ? current : (await authentication.GetAuthenticationStateAsync()).User;
        var id = user.FindFirstValue("oid");
        if (id is null || id == DevUserAuthenticationHandler.DefaultUser)
        {
            return;
        }

        request.Headers.Add("X-Dev-User", id);
        request.Headers.Add("X-Dev-Roles", string.Join(',', user.FindAll("roles").Select(c => c.Value)));
        request.Headers.Add("X-Dev-Groups", string.Join(',', user.FindAll("groups").Select(c => c.Value)));
    }
}
