using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Api.Auth;

public static class AuthenticationExtensions
{
    private const string SelectorScheme = "BearerOrDevUser";
    public const string ChatUserPolicy = "ChatUser";

    /// <summary>
    /// JWT bearer tokens (Entra ID) on every API route; in Development, a request without a token is the dev user.
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

        builder.Services.Configure<AuthOptions>(section);
        var authentication = builder.Services.AddAuthentication(devUser ? SelectorScheme : JwtBearerDefaults.AuthenticationScheme);

        authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            jwt.Authority = options.Jwt.Authority;
            jwt.Audience = options.Jwt.Audience;
            jwt.MapInboundClaims = false;
            jwt.RequireHttpsMetadata = !builder.Environment.IsDevelopment();
            jwt.TokenValidationParameters.NameClaimType = "name";
        });

        if (devUser)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, DevUserAuthenticationHandler>(DevUserAuthenticationHandler.SchemeName, _ => { });
            authentication.AddPolicyScheme(SelectorScheme, "Bearer token, or the dev user without one", policy =>
                policy.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : DevUserAuthenticationHandler.SchemeName);
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ChatUserPolicy, policy =>
            {
                policy.RequireAuthenticatedUser();
                // Without a stable id there is no partition to keep the user's data in.
                policy.RequireAssertion(context => CurrentUser.From(context.User) is not null);
                if (!string.IsNullOrWhiteSpace(options.Jwt.RequiredScope))
                {
                    var scope = options.Jwt.RequiredScope;
                    policy.RequireAssertion(context =>
                        context.User.Identity?.AuthenticationType == DevUserAuthenticationHandler.SchemeName
                        || (context.User.FindFirst("scp")?.Value.Split(' ').Contains(scope, StringComparer.Ordinal) ?? false));
                }
            });

        return builder;
    }
}
