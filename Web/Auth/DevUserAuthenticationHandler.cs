using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Web.Auth;

/// <summary>
/// Development only: everyone is the development user, matching the API's development user. A browser may name
/// another one with the <see cref="UserCookie"/> cookie (and its roles and groups with <see cref="RolesCookie"/> and
/// <see cref="GroupsCookie"/>, comma-separated and percent-encoded), which the web passes on to the API's development headers: one developer, or one
/// browser test, can act as several users. Anyone may already act as the development user here, so this widens nothing.
/// </summary>
public sealed class DevUserAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DevUser";

    /// <summary>The user everyone is, unless a cookie names another: the API's configured development user.</summary>
    public const string DefaultUser = "dev-user";

    public const string UserCookie = "llmchat-dev-user";

    public const string RolesCookie = "llmchat-dev-roles";

    public const string GroupsCookie = "llmchat-dev-groups";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var requested = Request.Cookies[UserCookie];
        var named = requested is not null && IsValid(requested);
        var id = named ? requested! : DefaultUser;
        var name = named ? requested! : "Developer";
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim("name", name), new Claim("oid", id)], SchemeName, "name", ClaimTypes.Role);
        if (named)
        {
            identity.AddClaims(Listed(RolesCookie).Select(r => new Claim("roles", r)));
            identity.AddClaims(Listed(GroupsCookie).Select(g => new Claim("groups", g)));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private IEnumerable<string> Listed(string cookie) =>
        (Request.Cookies[cookie] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsValid);

    /// <summary>The characters the API's development headers accept.</summary>
    public static bool IsValid(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');
}
