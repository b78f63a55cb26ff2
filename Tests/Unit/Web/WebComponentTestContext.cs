using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Web.Markdown;

namespace Tests.Unit.Web;

/// <summary>A bUnit context with the services the chat components need.</summary>
internal static class WebComponentTestContext
{
    public static BunitContext Create(params string[] allowedImageHosts)
    {
        var context = new BunitContext();
        var options = new MarkdownOptions();
        foreach (var host in allowedImageHosts)
        {
            options.AllowedImageHosts.Add(host);
        }

        context.Services.AddSingleton(Options.Create(options));
        context.Services.AddSingleton<MarkdownRenderer>();
        return context;
    }
}
