using Bunit;
using Web.Components.Pages.Chat;
using Web.Markdown;

namespace Tests.Unit.Web;

/// <summary>Model output is untrusted: rendering must never produce script, handlers, unsafe links or remote loads.</summary>
public sealed class MarkdownViewTests : IDisposable
{
    private readonly BunitContext _context = WebComponentTestContext.Create("learn.microsoft.com");

    public static TheoryData<string> XssPayloads => new()
    {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "![x](javascript:alert(1))",
        "![x](https://evil.example/a.png)",
        "![x](http://learn.microsoft.com/a.png)",
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        "[x](https://ok.example \"title\" onmouseover=alert(1))",
        "<details open ontoggle=alert(1)>",
        "`<script>alert(1)</script>`",
    };

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void Render_XssPayload_ProducesNothingExecutable(string payload)
    {
        var view = _context.Render<MarkdownView>(parameters => parameters.Add(p => p.Markdown, payload));

        var html = view.Markup;
        Assert.Empty(view.FindAll("script, iframe, svg, style, details, object, embed"));
        Assert.DoesNotContain("javascript:", string.Join(' ', view.FindAll("a").Select(a => a.GetAttribute("href"))), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(view.FindAll("a[href^='data:'], a[href^='vbscript:'], img[src^='javascript:']"));
        Assert.DoesNotContain(view.FindAll("*"), element => element.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain("evil.example/a.png\"", html);
        Assert.Empty(view.FindAll("img[src^='http:']"));
    }

    [Fact]
    public void Render_SafeLink_OpensSafely()
    {
        var view = _context.Render<MarkdownView>(parameters => parameters.Add(p => p.Markdown, "[docs](https://learn.microsoft.com/dotnet/)"));

        var link = view.Find("a");
        Assert.Equal("https://learn.microsoft.com/dotnet/", link.GetAttribute("href"));
        Assert.Equal("noopener noreferrer nofollow", link.GetAttribute("rel"));
        Assert.Equal("_blank", link.GetAttribute("target"));
    }

    [Fact]
    public void Render_ImageFromAnAllowedHost_IsShownWithoutReferrer()
    {
        var view = _context.Render<MarkdownView>(parameters => parameters.Add(p => p.Markdown, "![diagram](https://learn.microsoft.com/diagram.png)"));

        var image = view.Find("img");
        Assert.Equal("https://learn.microsoft.com/diagram.png", image.GetAttribute("src"));
        Assert.Equal("no-referrer", image.GetAttribute("referrerpolicy"));
    }

    [Fact]
    public void Render_RemoteImage_BecomesANote()
    {
        var view = _context.Render<MarkdownView>(parameters => parameters.Add(p => p.Markdown, "![pixel](https://evil.example/p.png)"));

        Assert.Empty(view.FindAll("img"));
        Assert.Contains("[image not shown: pixel from evil.example]", view.Markup);
    }

    [Fact]
    public void Render_FencedCode_HasLanguageClassAndCopyButton()
    {
        var view = _context.Render<MarkdownView>(parameters => parameters.Add(p => p.Markdown, "```csharp\nvar x = \"<b>\";\n```"));

        Assert.Equal("var x = \"<b>\";\n", view.Find("pre code.language-csharp").TextContent);
        Assert.Equal("Copy", view.Find(".code-block button.copy-code").TextContent);
        Assert.Equal("csharp", view.Find(".code-language").TextContent);
    }

    [Fact]
    public void Render_HostileCodeLanguage_IsEscaped()
    {
        var view = _context.Render<MarkdownView>(parameters => parameters.Add(p => p.Markdown, "```\"><script>alert(1)</script>\ncode\n```"));

        Assert.Empty(view.FindAll("script"));
    }

    [Theory]
    [InlineData("https://example.com", true)]
    [InlineData("mailto:someone@example.com", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("java\tscript:alert(1)", false)]
    [InlineData("/relative/path", false)]
    [InlineData("data:text/html,x", false)]
    [InlineData("", false)]
    public void IsSafeUrl_OnlyAbsoluteHttpHttpsMailto(string url, bool safe)
    {
        Assert.Equal(safe, MarkdownRenderer.IsSafeUrl(url));
    }

    public void Dispose() => _context.Dispose();
}
