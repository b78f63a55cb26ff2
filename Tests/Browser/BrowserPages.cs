using Microsoft.Playwright;

namespace Tests.Browser;

/// <summary>What every browser test does with the web's pages: wait for them to run, find the composer, skip without Chromium.</summary>
internal static class BrowserPages
{
    /// <summary>The page marks itself interactive once its circuit runs: only then are clicks and keys handled.</summary>
    public static async Task WaitInteractiveAsync(IPage page)
    {
        await Assertions.Expect(page.Locator(".chat[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(Composer(page)).ToBeEditableAsync();
    }

    public static ILocator Composer(IPage page) => page.GetByLabel("Message", new() { Exact = true });

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test if it does not in time.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Tests.Infrastructure.TestTimeouts.ResourceHealthy;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not come true in time.");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public static void RequireChromium()
    {
        if (!BrowserSession.ChromiumInstalled)
        {
            Assert.Skip($"Chromium is not installed at {BrowserSession.ChromiumPath} (.ci/run installs Debian's chromium).");
        }
    }
}
