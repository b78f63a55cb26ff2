using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Api.Auth;

/// <summary>Signs every token-less request in as the configured development user.</summary>
public sealed class DevUserAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AuthOptions> authOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "DevUser";

    /// <summary>
    /// Development only: names another dev user for the request, so one developer (or a test) can act as several
    /// users. Anyone may already act as the dev user in Development, so this widens nothing.
    /// </summary>
    public const string UserHeader = "X-Dev-User";

    /// <summary>Development only: the app roles of the request's dev user (comma-separated), instead of <c>Auth:DevUser:Roles</c>.</summary>
    public const string RolesHeader = "X-Dev-Roles";

    /// <summary>Development only: the groups of the request's dev user (comma-separated), instead of <c>Auth:DevUser:Groups</c>.</summary>
    public const string GroupsHeader = "X-Dev-Groups";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = authOptions.Value.DevUser;
        var id = user.Id;
        var name = user.Name;
        IEnumerable<string> roles = user.Roles, groups = user.Groups;
        if (Request.Headers[UserHeader] is [{ } requested] && IsValidUserId(requested))
        {
            // Another user: only the roles and groups its own headers give it, never the configured user's.
            id = requested;
            name = requested;
            roles = groups = [];
        }

        var identity = new ClaimsIdentity(
        [
            new Claim("sub", id),
            new Claim("oid", id),
            new Claim(ClaimTypes.Name, name),
            new Claim("name", name),
        ], SchemeName);
        foreach (var role in Listed(RolesHeader, roles))
        {
            identity.AddClaim(new Claim("roles", role));
        }

        foreach (var group in Listed(GroupsHeader, groups))
        {
            identity.AddClaim(new Claim(CurrentUser.GroupClaim, group));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private IEnumerable<string> Listed(string header, IEnumerable<string> configured) =>
        Request.Headers[header] is [{ } listed]
            ? listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsValidUserId)
            : configured;

    private static bool IsValidUserId(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');
}
