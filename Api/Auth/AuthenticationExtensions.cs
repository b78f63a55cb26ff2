using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Api.Auth;

public static class AuthenticationExtensions
{
    private const string SelectorScheme = "KeyBearerOrDevUser";
    public const string ChatUserPolicy = "ChatUser";

    /// <summary>
    /// JWT bearer tokens (Entra ID) or personal API keys (<c>Bearer llmc_...</c>, <see cref="ApiKeyAuthenticationHandler"/>)
    /// on every API route; in Development, a request without a token is the dev user.
    /// Outside Development the dev user is refused at start, and a missing authority or audience stops the start
    /// too: an API that silently accepts nobody, or everybody, is worse than one that does not start.
    /// </summary>
    public static IHostApplicationBuilder AddApiAuthentication(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(AuthOptions.SectionName);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        var devUser = options.DevUser.Enabled;

        if (devUser && !builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"Auth:DevUser:Enabled is true in the '{builder.Environment.EnvironmentName}' environment. The development user signs in every " +
                "anonymous caller; it is allowed only in Development. Remove the setting and configure Auth:Jwt.");
        }

        var jwtConfigured = !string.IsNullOrWhiteSpace(options.Jwt.Authority) && !string.IsNullOrWhiteSpace(options.Jwt.Audience);
        if (!devUser && !jwtConfigured)
        {
            throw new InvalidOperationException("Auth:Jwt:Authority and Auth:Jwt:Audience must be set (or Auth:DevUser:Enabled in Development).");
        }

        if (!builder.Environment.IsDevelopment() && (string.IsNullOrWhiteSpace(options.Jwt.RequiredScope) || options.Jwt.ClientIds.Count == 0))
        {
            throw new InvalidOperationException(
                $"Auth:Jwt:RequiredScope and Auth:Jwt:ClientIds (the web app's client id) must be set in the '{builder.Environment.EnvironmentName}' " +
                "environment: without them, a token the tenant issues to any app for this API would be accepted.");
        }

        builder.Services.AddSingleton<AuthenticationFailures>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForbiddenEvents>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, GroupsOverageHandler>();

        builder.Services.Configure<AuthOptions>(section);
        var authentication = builder.Services.AddAuthentication(SelectorScheme);
        authentication.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { });

        authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            jwt.Authority = options.Jwt.Authority;
            jwt.Audience = options.Jwt.Audience;
            jwt.MapInboundClaims = false;
            jwt.RequireHttpsMetadata = !builder.Environment.IsDevelopment();
            jwt.TokenValidationParameters.NameClaimType = "name";
            jwt.Events = JwtEvents.For(options.Jwt);
        });

        if (devUser)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, DevUserAuthenticationHandler>(DevUserAuthenticationHandler.SchemeName, _ => { });
        }

        // A key-shaped bearer token goes to the key handler (never to the JWT handler); any other token to JWT; no token
        // is the dev user in Development, and unauthenticated elsewhere.
        authentication.AddPolicyScheme(SelectorScheme, "API key, bearer token, or the dev user without one", policy =>
            policy.ForwardDefaultSelector = context =>
                ApiKeyFormat.Looks(ApiKeyAuthenticationHandler.BearerToken(context.Request)) ? ApiKeyAuthenticationHandler.SchemeName
                : context.Request.Headers.Authorization.Count > 0 || !devUser ? JwtBearerDefaults.AuthenticationScheme
                : DevUserAuthenticationHandler.SchemeName);

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ChatUserPolicy, policy =>
            {
                policy.RequireAuthenticatedUser();
                // Without a stable id there is no partition to keep the user's data in.
                policy.RequireAssertion(context => CurrentUser.From(context.User) is not null);
                // Without the user's groups, their group budgets and group-only models cannot be told.
                policy.Requirements.Add(GroupsOverage.Requirement);
                // Required outside Development (checked above); a Development issuer may leave it out.
                if (!string.IsNullOrWhiteSpace(options.Jwt.RequiredScope))
                {
                    var scope = options.Jwt.RequiredScope;
                    policy.RequireAssertion(context =>
                        context.User.Identity?.AuthenticationType is DevUserAuthenticationHandler.SchemeName or ApiKeyAuthenticationHandler.SchemeName
                        || (context.User.FindFirst("scp")?.Value.Split(' ').Contains(scope, StringComparer.Ordinal) ?? false));
                }
            });

        return builder;
    }
}
