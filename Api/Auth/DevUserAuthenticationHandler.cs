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

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = authOptions.Value.DevUser;
        var identity = new ClaimsIdentity(
        [
            new Claim("sub", user.Id),
            new Claim("oid", user.Id),
            new Claim(ClaimTypes.Name, user.Name),
            new Claim("name", user.Name),
        ], SchemeName);

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
