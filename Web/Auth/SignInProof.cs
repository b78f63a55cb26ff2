using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace Web.Auth;

/// <summary>
/// Keeps the ID token of the user's interactive sign-in in their session (a claim of the sign-in cookie), so that the
/// web can show the API when the user last typed their credentials (its <c>auth_time</c>): creating a key needs a
/// sign-in minutes ago. A refresh of the API token is not a sign-in and does not replace it.
/// </summary>
public static class SignInProof
{
    public const string ClaimType = "llmchat_id_token";

    /// <summary>Adds the ID token to the principal the cookie will carry, after Microsoft.Identity.Web's own handling.</summary>
    public static void Keep(OpenIdConnectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var earlier = options.Events.OnTokenValidated;
        options.Events.OnTokenValidated = async context =>
        {
            await earlier(context);
            if (context.ProtocolMessage.IdToken is { Length: > 0 } idToken && context.Principal?.Identity is ClaimsIdentity identity)
            {
                identity.AddClaim(new Claim(ClaimType, idToken));
            }
        };
    }
}
