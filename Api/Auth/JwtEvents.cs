using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Api.Auth;

/// <summary>
/// What the API adds to the JWT bearer handler: a token issued to a client it does not accept (<c>azp</c>, or
/// <c>appid</c> in v1 tokens) is refused; every refused token counts against its address
/// (<see cref="AuthenticationFailures"/>, which logs them aggregated), and past the address's limit is answered 429.
/// Every token is validated, whatever its address did before: a valid one is never refused for others' failures.
/// </summary>
public static class JwtEvents
{
    public static JwtBearerEvents For(JwtOptions options) => new()
    {
        OnAuthenticationFailed = context =>
        {
            LimitedFailure(context.HttpContext, $"invalid bearer token ({context.Exception.GetType().Name})");
            return Task.CompletedTask;
        },
        OnTokenValidated = context =>
        {
            if (options.ClientIds.Count == 0)
            {
                return Task.CompletedTask;
            }

            var client = context.Principal?.FindFirst("azp")?.Value ?? context.Principal?.FindFirst("appid")?.Value;
            if (client is null || !options.ClientIds.Contains(client, StringComparer.OrdinalIgnoreCase))
            {
                LimitedFailure(context.HttpContext, $"a token issued to client {client ?? "(none)"}, which this API does not accept");
                context.Fail("The token was issued to a client this API does not accept.");
            }

            return Task.CompletedTask;
        },
        OnChallenge = context =>
        {
            if (AuthenticationRefusal.TryWriteAsync(context.HttpContext) is { } written)
            {
                context.HandleResponse();
                return written;
            }

            return Task.CompletedTask;
        },
    };

    /// <summary>Counts a refused token; past the address's limit its answer is 429 (otherwise the handler's 401).</summary>
    private static void LimitedFailure(HttpContext http, string kind)
    {
        if (http.RequestServices.GetRequiredService<AuthenticationFailures>().Failed(http, kind) is { } limited)
        {
            AuthenticationRefusal.Set(http, limited);
        }
    }
}
