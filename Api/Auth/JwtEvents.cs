using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Api.Auth;

/// <summary>
/// What the API adds to the JWT bearer handler: a token issued to a client it does not accept (<c>azp</c>, or
/// <c>appid</c> in v1 tokens) is refused; every refused token counts against its address
/// (<see cref="AuthenticationFailures"/>, which logs them aggregated), and an address past its limit is refused unread.
/// </summary>
public static class JwtEvents
{
    public static JwtBearerEvents For(JwtOptions options) => new()
    {
        OnMessageReceived = context =>
        {
            if (context.Request.Headers.Authorization.Count > 0
                && context.HttpContext.RequestServices.GetRequiredService<AuthenticationFailures>().Refusal(context.HttpContext) is { } refusal)
            {
                AuthenticationRefusal.Set(context.HttpContext, refusal);
                context.Fail(refusal.Detail);
            }

            return Task.CompletedTask;
        },
        OnAuthenticationFailed = context =>
        {
            Failures(context.HttpContext).Record(context.HttpContext, $"invalid bearer token ({context.Exception.GetType().Name})");
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
                Failures(context.HttpContext).Record(context.HttpContext, $"a token issued to client {client ?? "(none)"}, which this API does not accept");
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

    private static AuthenticationFailures Failures(HttpContext http) => http.RequestServices.GetRequiredService<AuthenticationFailures>();
}
