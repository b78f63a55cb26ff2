using Api.Auth;
using Api.Errors;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Api.Keys;

/// <summary>
/// A key is made only by a user who signed in interactively a moment ago: the web sends the user's ID token
/// (<see cref="RecentSignInHeader"/>), issued by the same tenant to a client the API accepts, for the same user, whose
/// <c>auth_time</c> (when the user last typed their credentials, not when a token was refreshed) is within
/// <see cref="ApiKeyOptions.RecentSignIn"/>. A stolen session cookie or access token cannot make a permanent credential;
/// the user is sent to sign in again. The development user has no sign-in to prove and is not asked.
/// </summary>
public sealed class RecentSignIn(IOptionsMonitor<JwtBearerOptions> jwt, IOptions<AuthOptions> auth, IOptions<ApiKeyOptions> options, TimeProvider time)
{
    /// <summary>Null when the caller proved a recent sign-in (or has none to prove); the refusal otherwise.</summary>
    public async Task<ApiError?> CheckAsync(HttpContext http, CurrentUser user, CancellationToken cancellationToken)
    {
        // The dev user (Development only) has no sign-in to prove; keys never get here (they cannot manage keys).
        if (http.User.Identity?.AuthenticationType == DevUserAuthenticationHandler.SchemeName)
        {
            return null;
        }

        var proof = http.Request.Headers[RecentSignInHeader.Name].ToString();
        if (string.IsNullOrEmpty(proof))
        {
            return Refused("Creating a key needs a recent sign-in; none was shown.");
        }

        var bearer = jwt.Get(JwtBearerDefaults.AuthenticationScheme);
        var configuration = bearer.ConfigurationManager is { } manager ? await manager.GetConfigurationAsync(cancellationToken) : null;
        var parameters = bearer.TokenValidationParameters.Clone();
        // An ID token's audience is the client it was issued to (the web), never the API: an access token cannot pass.
        parameters.ValidAudience = null;
        parameters.ValidAudiences = auth.Value.Jwt.ClientIds;
        parameters.ValidateAudience = true;
        if (configuration is not null)
        {
            parameters.ValidIssuer = configuration.Issuer;
            parameters.IssuerSigningKeys = configuration.SigningKeys;
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(proof, parameters);
        if (!result.IsValid)
        {
            return Refused("The sign-in shown is not valid.");
        }

        var subject = result.ClaimsIdentity.FindFirst("oid")?.Value ?? result.ClaimsIdentity.FindFirst("sub")?.Value;
        if (!string.Equals(subject, user.Id, StringComparison.Ordinal))
        {
            return Refused("The sign-in shown is another user's.");
        }

        if (!long.TryParse(result.ClaimsIdentity.FindFirst("auth_time")?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var authTime)
            || time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(authTime) > options.Value.RecentSignIn)
        {
            return Refused($"Creating a key needs a sign-in within the last {options.Value.RecentSignIn.TotalMinutes:0} minutes.");
        }

        return null;
    }

    private static ApiError Refused(string detail) => ApiError.Of(ErrorCodes.RecentSignInRequired, detail);
}
