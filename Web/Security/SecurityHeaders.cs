using Microsoft.Extensions.Options;
using Web.Markdown;

namespace Web.Security;

/// <summary>
/// Headers on every response. The Content-Security-Policy allows scripts from this origin only (Blazor's own file and
/// ours; no inline script, no eval), images from this origin and the allowed hosts only, no framing, and no plugins.
/// Inline styles stay allowed: Blazor's reconnect UI sets style attributes.
/// </summary>
public static class SecurityHeaders
{
    public static string ContentSecurityPolicy(IEnumerable<string> allowedImageHosts)
    {
        var images = string.Join(' ', new[] { "'self'" }.Concat(allowedImageHosts.Select(h => $"https://{h}")));
        return string.Join("; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            $"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self' https://login.microsoftonline.com",
            "frame-ancestors 'none'");
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var markdown = app.ApplicationServices.GetRequiredService<IOptions<MarkdownOptions>>().Value;
        var policy = ContentSecurityPolicy(markdown.AllowedImageHosts);
        return app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            await next();
        });
    }
}
