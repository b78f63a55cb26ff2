using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.Extensions.Options;

namespace Web.Markdown;

/// <summary>
/// Renders model replies as HTML that is safe to insert: raw HTML is disabled (it shows as text), links keep only
/// http, https and mailto and open with <c>rel="noopener noreferrer nofollow"</c>, images load only from allowed
/// hosts (others become a note), and code blocks carry their language class and a copy button. The extensions are
/// chosen one by one: generic attributes, for one, would let a reply set <c>onclick</c>.
/// </summary>
public sealed class MarkdownRenderer
{
    private static readonly string[] SafeSchemes = [Uri.UriSchemeHttp, Uri.UriSchemeHttps, Uri.UriSchemeMailto];

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseListExtras()
        .UseAutoLinks()
        .Build();

    private readonly HashSet<string> _imageHosts;

    public MarkdownRenderer(IOptions<MarkdownOptions> options)
    {
        _imageHosts = new HashSet<string>(options.Value.AllowedImageHosts, StringComparer.OrdinalIgnoreCase);
    }

    public string ToHtml(string markdown)
    {
        var document = Markdig.Markdown.Parse(markdown ?? string.Empty, _pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            SanitizeLink(link);
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafeUrl(autolink.IsEmail ? $"mailto:{autolink.Url}" : autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url), copyChildren: false);
            }
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        _pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new CopyableCodeBlockRenderer());
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>Absolute http, https or mailto only; control characters and spaces inside the scheme do not fool it.</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return false;
        }

        var cleaned = new string([.. url.Where(c => !char.IsControl(c) && !char.IsWhiteSpace(c))]);
        return Uri.TryCreate(cleaned, UriKind.Absolute, out var uri)
            && SafeSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
            && string.Equals(cleaned, url.Trim(), StringComparison.Ordinal);
    }

    private void SanitizeLink(LinkInline link)
    {
        if (link.IsImage)
        {
            if (IsSafeUrl(link.Url) && Uri.TryCreate(link.Url, UriKind.Absolute, out var source) && source.Scheme == Uri.UriSchemeHttps && _imageHosts.Contains(source.Host))
            {
                link.GetAttributes().AddPropertyIfNotExist("loading", "lazy");
                link.GetAttributes().AddPropertyIfNotExist("referrerpolicy", "no-referrer");
                return;
            }

            var alt = string.Concat(link.Descendants<LiteralInline>().Select(l => l.Content.ToString()));
            var host = Uri.TryCreate(link.Url, UriKind.Absolute, out var blocked) ? blocked.Host : "an unknown source";
            link.ReplaceBy(new LiteralInline($"[image not shown: {(alt.Length > 0 ? alt : "untitled")} from {host}]"), copyChildren: false);
            return;
        }

        if (!IsSafeUrl(link.Url))
        {
            // Keep the text, drop the link.
            link.ReplaceBy(new ContainerInline());
            return;
        }

        var attributes = link.GetAttributes();
        attributes.AddPropertyIfNotExist("rel", "noopener noreferrer nofollow");
        attributes.AddPropertyIfNotExist("target", "_blank");
    }

    /// <summary>Fenced and indented code in a frame with the language and a copy button (wired by app.js, no inline script).</summary>
    private sealed class CopyableCodeBlockRenderer : CodeBlockRenderer
    {
        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            var language = obj is FencedCodeBlock fenced && !string.IsNullOrWhiteSpace(fenced.Info) ? fenced.Info.Trim() : null;
            renderer.Write("<div class=\"code-block\"><div class=\"code-toolbar\"><span class=\"code-language\">");
            renderer.WriteEscape(language ?? "text");
            renderer.Write("</span><button type=\"button\" class=\"copy-code\" aria-label=\"Copy code\">Copy</button></div>");
            base.Write(renderer, obj);
            renderer.Write("</div>");
        }
    }
}
