using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;

namespace Api.Keys;

/// <summary>
/// Signs in a request that carries a personal API key (<c>Authorization: Bearer llmc_...</c>) as the key's owner: the
/// same user id, so the same partition, limits, usage and audit trail as their signed-in requests. The principal says
/// it came from a key (authentication type and <c>key_id</c>), which the key routes refuse: a key cannot make keys.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    Microsoft.Extensions.Options.IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private readonly ILogger _security = logger.CreateLogger(Safety.SecurityEvents.Category);

    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = Auth.CurrentUser.KeyIdClaim;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token || !ApiKeyFormat.Looks(token))
        {
            return AuthenticateResult.NoResult();
        }

        var owner = await keys.FindAsync(token, Context.RequestAborted);
        if (owner is null)
        {
            Safety.SecurityEvents.ApiKeyRefused(_security, ApiKeyFormat.Hint(token));
            return AuthenticateResult.Fail("The API key is not valid: unknown, revoked or expired.");
        }

        _ = keys.TouchAsync(owner, CancellationToken.None);
        var identity = new ClaimsIdentity([new Claim("oid", owner.UserId), new Claim(KeyIdClaim, owner.KeyId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    public static string? BearerToken(HttpRequest request) =>
        request.Headers.Authorization.FirstOrDefault() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : null;
}
