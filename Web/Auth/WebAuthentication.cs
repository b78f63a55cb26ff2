using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Identity.Web;
using Web.Services;

namespace Web.Auth;

public static class WebAuthentication
{
    /// <summary>
    /// OpenID Connect with Entra ID (Microsoft.Identity.Web) when <c>AzureAd:ClientId</c> is set, calling the API with
    /// the user's token; the development user in Development otherwise. Outside Development without Entra settings
    /// the web refuses to start: serving the chat to anonymous people is never a default.
    /// </summary>
    public static WebApplicationBuilder AddWebAuthentication(this WebApplicationBuilder builder)
    {
        var entra = builder.Configuration.GetSection("AzureAd");
        var usesEntra = !string.IsNullOrWhiteSpace(entra["ClientId"]);
        var scope = builder.Configuration["Api:Scope"];

        if (usesEntra)
        {
            if (string.IsNullOrWhiteSpace(scope))
            {
                throw new InvalidOperationException("Api:Scope (for example api://llm-chat-api/chat) must be set with AzureAd.");
            }

            var calls = builder.Services.AddAuthentication(OpenIdConnectDefaults.AuthenticationScheme)
                .AddMicrosoftIdentityWebApp(entra)
                .EnableTokenAcquisitionToCallDownstreamApi([scope]);
            SharedTokenCache.Add(calls, builder);
            builder.Services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, SignInProof.Keep);
            builder.Services.AddScoped<IAccessTokenProvider, EntraAccessTokenProvider>();
            if (builder.Environment.IsDevelopment())
            {
                // A local issuer (a test double, a dev identity server) may speak plain HTTP; never outside Development.
                builder.Services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, oidc => oidc.RequireHttpsMetadata = false);
            }
        }
        else if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddAuthentication(DevUserAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevUserAuthenticationHandler>(DevUserAuthenticationHandler.SchemeName, _ => { });
            builder.Services.AddHttpContextAccessor();
            builder.Services.AddScoped<IAccessTokenProvider, DevUserAccessTokenProvider>();
        }
        else
        {
            throw new InvalidOperationException(
                $"AzureAd:ClientId is not set in the '{builder.Environment.EnvironmentName}' environment. Configure Entra ID " +
                "(AzureAd:Instance, TenantId, ClientId and a client credential) and Api:Scope; only Development runs without sign-in.");
        }

        builder.Services.AddSingleton(new WebAuthOptions { UsesEntraId = usesEntra, ApiScope = scope });
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>Sign-in (a challenge back to the page) and sign-out (a form post with an antiforgery token).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account");
        // fresh=true: Entra asks for the user's credentials again (prompt=login), for what needs a recent sign-in (a new key).
        account.MapGet("/signin", (string? returnUrl, bool? fresh) => TypedResults.Challenge(fresh == true
            ? new OpenIdConnectChallengeProperties { RedirectUri = SafeReturnUrl(returnUrl), Prompt = "login" }
            : new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }));
        account.MapPost("/signout", async (HttpContext context, WebAuthOptions options, IAntiforgery antiforgery) =>
        {
            // The form renders a token; a post without it (a cross-site form signing the user out) is refused. The
            // antiforgery middleware validates only endpoints that bind a form, so this one checks for itself.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
                    detail: "The sign-out form has expired. Reload the page and sign out again.",
                    extensions: new Dictionary<string, object?> { ["code"] = "antiforgery_failed" });
            }

            if (!options.UsesEntraId)
            {
                return Results.LocalRedirect("/");
            }

            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
        });
        return endpoints;
    }

    /// <summary>
    /// A path on this site, else "/". Browsers drop tabs and newlines from a URL before they read it
    /// (WHATWG URL, "remove all ASCII tab or newline"), so "/\t/evil.example" would become "//evil.example": a path
    /// with any control character or whitespace is refused, as is one that a browser reads as another host.
    /// </summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 }
        && returnUrl[0] == '/'
        && (returnUrl.Length == 1 || returnUrl[1] is not ('/' or '\\'))
        && !returnUrl.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            ? returnUrl
            : "/";
}
