using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Web.Markdown;

namespace Tests.Unit.Web;

/// <summary>A bUnit context with the services the web's components need (the Markdown renderer, the component library).</summary>
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
        // The component library the web is built on; its script's calls are answered by bUnit (no browser here).
        context.Services.AddMudServices();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddSingleton<MarkdownRenderer>();
        return context;
    }
}
