using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;

namespace Api.Auth;

/// <summary>
/// Signs in a request that carries a personal API key (<c>Authorization: Bearer llmc_...</c>) as the key's owner: the
/// same user id, so the same partition, limits, usage and audit trail as their signed-in requests. The principal says
/// it came from a key (authentication type and <c>key_id</c>), which the key routes refuse: a key cannot make keys.
/// Every key is checked, whatever its address did before: a genuine one always signs in, and only a key found not to
/// be genuine counts against its address, which past its limit is answered 429 rather than 401
/// (<see cref="AuthenticationFailures"/>). A key found genuine lately whose cached entry lapsed signs in at once and is
/// looked up again beside the request (<see cref="KeyRecheck"/>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    Microsoft.Extensions.Options.IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyResolver keys,
    AuthenticationFailures failures) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = CurrentUser.KeyIdClaim;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token || !ApiKeyFormat.Looks(token))
        {
            return AuthenticateResult.NoResult();
        }

        var owner = keys.FindCached(token);
        if (owner is null && keys.FindLastKnown(token) is { } known)
        {
            // Genuine here lately, its cached entry lapsed: the request goes on as its owner while the key is looked up again.
            Context.Features.Set(new KeyRecheck(keys.FindAsync(token, CancellationToken.None), known));
            owner = known;
        }

        // Never refused before it is checked: a flood of made-up keys from an address shared with genuine users (a NAT,
        // a node's address) must not lock them out. A made-up key costs one point read (a repeated one, none).
        owner ??= await keys.FindAsync(token, Context.RequestAborted);
        if (owner is null)
        {
            var refusal = failures.Failed(Context, $"unknown, revoked or expired API key {ApiKeyFormat.Hint(token)}") ?? Invalid();
            AuthenticationRefusal.Set(Context, refusal);
            return AuthenticateResult.Fail(refusal.Detail);
        }

        _ = keys.TouchAsync(owner, CancellationToken.None);
        var identity = new ClaimsIdentity([new Claim("oid", owner.UserId), new Claim(KeyIdClaim, owner.KeyId)], SchemeName);
        identity.AddClaims(owner.Roles.Select(role => new Claim("roles", role)));
        identity.AddClaims(owner.Groups.Select(group => new Claim(CurrentUser.GroupClaim, group)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The refusal of a key that is unknown, revoked or expired.</summary>
    public static Errors.ApiError Invalid() => Errors.ApiError.Of(Errors.ErrorCodes.InvalidApiKey, "The API key is not valid: unknown, revoked or expired.");

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        AuthenticationRefusal.TryWriteAsync(Context) is { } written ? written : base.HandleChallengeAsync(properties);

    public static string? BearerToken(HttpRequest request) =>
        request.Headers.Authorization.FirstOrDefault() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : null;
}
