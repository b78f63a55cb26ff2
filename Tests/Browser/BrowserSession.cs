using System.Collections.Concurrent;
using Microsoft.Playwright;
using Tests.Integration;
using Web.Auth;

namespace Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright (through <c>ExecutablePath</c>: Playwright's own browser download does not
/// work offline). Records what a page did that it should not: dialogs, console errors, requests to other origins. Each
/// page is one development user of its own (the web's development cookies), so no two tests share a user's rate limit,
/// daily budget or conversations; and every expectation waits for its state as long as a busy machine may need.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string ScreenshotDirectory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "TestResults", "screenshots"));

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public ConcurrentQueue<string> Dialogs { get; } = new();

    public ConcurrentQueue<string> ConsoleErrors { get; } = new();

    public ConcurrentQueue<string> Requests { get; } = new();

    public static bool ChromiumInstalled => File.Exists(ChromiumPath);

    public static async Task<BrowserSession> StartAsync()
    {
        // Expectations poll until their state holds; on two busy cores a render can take more than Playwright's 5 s.
        Assertions.SetDefaultExpectTimeout(20_000);
        var session = new BrowserSession { _playwright = await Playwright.CreateAsync() };
        session._browser = await session._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine's network is closed: Chromium's background services would only make noise.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return session;
    }

    /// <summary>A page of <paramref name="site"/> signed in as <paramref name="user"/> (its id, roles and groups).</summary>
    public async Task<IPage> NewPageAsync(ApiSession user, Uri site, int width = 1280, int height = 860, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = colorScheme,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        await context.AddCookiesAsync(
        [
            new Cookie { Name = DevUserAuthenticationHandler.UserCookie, Value = user.User, Url = site.GetLeftPart(UriPartial.Authority) },
            // A cookie's value may hold no comma (RFC 6265 cookie-octet): the lists go percent-encoded, as ASP.NET Core reads them.
            new Cookie { Name = DevUserAuthenticationHandler.RolesCookie, Value = Uri.EscapeDataString(user.Roles ?? string.Empty), Url = site.GetLeftPart(UriPartial.Authority) },
            new Cookie { Name = DevUserAuthenticationHandler.GroupsCookie, Value = Uri.EscapeDataString(user.Groups ?? string.Empty), Url = site.GetLeftPart(UriPartial.Authority) },
        ]);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        page.Dialog += (_, dialog) =>
        {
            Dialogs.Enqueue($"{dialog.Type}: {dialog.Message}");
            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Enqueue(message.Text);
            }
        };
        page.Request += (_, request) => Requests.Enqueue(request.Url);
        return page;
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = false });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
