using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Tests.Infrastructure;
using Tests.Integration;
using static Tests.Browser.BrowserPages;

namespace Tests.Browser;

/// <summary>
/// The admin pages in a real browser, each test as an admin of its own (a development user with the Admin role): the
/// charts are drawn with the totals the API reports, the month exports as CSV, a quota is set (and a stale edit is
/// refused with 409), and another user's key is revoked.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AdminBrowserTests(AppFixture app) : IAsyncLifetime
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private BrowserSession _browser = null!;

    /// <summary>The admin this test opens the pages as: a user of its own with the Admin role.</summary>
    private readonly ApiSession _viewer = app.NewUser("admin-web").With(roles: "Admin");

    private Uri WebAddress => app.App.GetEndpoint(ResourceNames.Web, "http");

    public async ValueTask InitializeAsync()
    {
        if (BrowserSession.ChromiumInstalled)
        {
            await app.ResetLlmAsync();
            _browser = await BrowserSession.StartAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    [Fact]
    public async Task UsagePage_DrawsEachChart_WithTheTotalsTheApiReports()
    {
        RequireChromium();
        // Usage of two new users, each a chat of their own; the roll-ups are written after each reply.
        var users = Enumerable.Range(0, 2).Select(i => app.NewUser($"chart{i}")).ToList();
        foreach (var user in users)
        {
            Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(await user.CreateConversationAsync(), new { content = "count me" })).Status);
        }

        var admin = app.NewUser("admin").With(roles: "Admin");
        await WaitUntilAsync(async () => (await ViewAsync(admin, "user", top: null)).GetProperty("lines").EnumerateArray()
            .Count(l => users.Any(u => u.User == l.GetProperty("key").GetString())) == users.Count);

        var page = await _browser.NewPageAsync(_viewer, WebAddress, 1280, 1400);
        await page.GotoAsync(new Uri(WebAddress, "admin").ToString());
        await Assertions.Expect(page.Locator(".admin[data-loaded='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        // What the API says now, read as another admin (nothing else runs in the app's collection meanwhile).
        var byDay = await ViewAsync(admin, "day", top: null);
        var total = byDay.GetProperty("total");
        var totalTokens = total.GetProperty("promptTokens").GetInt64() + total.GetProperty("outputTokens").GetInt64();
        Assert.True(totalTokens > 0, "The period has usage.");
        await Assertions.Expect(page.Locator("[aria-label='Period total']")).ToHaveAttributeAsync("data-tokens", totalTokens.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[aria-label='Period total']")).ToHaveAttributeAsync("data-requests", total.GetProperty("requests").GetInt64().ToString(CultureInfo.InvariantCulture));

        // The timeline: a point for each of the 7 days, adding up to the period's tokens.
        var timeline = page.Locator("[data-chart='timeline']");
        await Assertions.Expect(timeline.Locator("svg .mud-charts-xaxis text")).ToHaveCountAsync(7);
        await Assertions.Expect(timeline.Locator("svg path.mud-chart-line")).ToHaveCountAsync(2);
        await Assertions.Expect(timeline).ToHaveAttributeAsync("data-total", totalTokens.ToString(CultureInfo.InvariantCulture));

        // The top users, keys and models: a bar for each of the API's top ten, the values drawn on them adding up to its total.
        foreach (var by in new[] { "user", "key", "model" })
        {
            var lines = (await ViewAsync(admin, by, top: 10)).GetProperty("lines").EnumerateArray()
                .Select(l => l.GetProperty("promptTokens").GetInt64() + l.GetProperty("outputTokens").GetInt64()).ToList();
            var chart = page.Locator($"[data-chart='{by}s']");
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-total", lines.Sum().ToString(CultureInfo.InvariantCulture));
            await Assertions.Expect(chart.Locator("svg path.mud-chart-bar")).ToHaveCountAsync(lines.Count);
            var drawn = await chart.Locator("svg text.mud-chart-value-label").AllTextContentsAsync();
            Assert.Equal(lines.Sum(), drawn.Sum(v => long.Parse(v, NumberStyles.Number, CultureInfo.InvariantCulture)));
        }

        // The bars are labelled with the users, largest first (a long id cut to its first 23 characters and an ellipsis).
        var userLabels = await page.Locator("[data-chart='users'] svg .mud-charts-xaxis text").AllTextContentsAsync();
        var topUsers = (await ViewAsync(admin, "user", top: 10)).GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("key").GetString()!);
        Assert.Equal(topUsers.Select(k => k.Length <= 24 ? k : k[..23] + "…"), userLabels);

        // The queue now: one bar group per model.
        await Assertions.Expect(page.Locator("[data-chart='queues'] svg")).Not.ToHaveCountAsync(0);
        var queues = await (await admin.SendAsync(HttpMethod.Get, "/api/admin/queue")).Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        await Assertions.Expect(page.Locator(".gpus-now tbody tr")).ToHaveCountAsync(queues.GetProperty("models").GetArrayLength());
        await BrowserSession.ScreenshotAsync(page, "admin-usage");
    }

    [Fact]
    public async Task Theme_FollowsTheSystemsDarkMode_AndTheUsersChoice_OnTheLibraryAndTheHandDrawnParts()
    {
        RequireChromium();
        var page = await _browser.NewPageAsync(_viewer, WebAddress, 1280, 1000, ColorScheme.Dark);
        await page.GotoAsync(new Uri(WebAddress, "admin").ToString());
        await Assertions.Expect(page.Locator(".admin[data-loaded='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var app = page.Locator(".app");
        await Assertions.Expect(app).ToHaveAttributeAsync("data-theme", "dark");

        // The library's surfaces and the page's own parts draw from the one palette: both dark, then both light.
        async Task<(string Body, string Sidebar, string Paper)> ColoursAsync() => (
            await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"),
            await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.sidebar')).backgroundColor"),
            await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.usage-chart')).backgroundColor"));
        // The sidebar and a chart are drawn once the page has its data: their colours are read only then.
        await Assertions.Expect(page.Locator(".sidebar")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".usage-chart").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(21, 24, 28)");
        await Assertions.Expect(page.Locator(".usage-chart").First).ToHaveCSSAsync("background-color", "rgb(30, 34, 39)");
        Assert.Equal(("rgb(21, 24, 28)", "rgb(26, 29, 33)", "rgb(30, 34, 39)"), await ColoursAsync());
        await BrowserSession.ScreenshotAsync(page, "admin-usage-dark");

        await page.GetByRole(AriaRole.Button, new() { Name = "Light theme" }).ClickAsync();
        await Assertions.Expect(app).ToHaveAttributeAsync("data-theme", "light");
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");
        await Assertions.Expect(page.Locator(".usage-chart").First).ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");
        Assert.Equal(("rgb(255, 255, 255)", "rgb(238, 240, 243)", "rgb(255, 255, 255)"), await ColoursAsync());
    }

    [Fact]
    public async Task UsagePage_ExportsTheMonth_AsTheApiWritesIt()
    {
        RequireChromium();
        var user = app.NewUser("exported");
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(await user.CreateConversationAsync(), new { content = "count me" })).Status);
        var auditor = app.NewUser("exporter").With(roles: "Auditor");
        var month = DateTime.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        string expected = string.Empty;
        await WaitUntilAsync(async () =>
        {
            using var api = await auditor.SendAsync(HttpMethod.Get, $"/api/admin/usage/export?month={month}");
            expected = await api.Content.ReadAsStringAsync(Cancellation);
            return expected.Contains(user.User, StringComparison.Ordinal);
        });

        var page = await _browser.NewPageAsync(_viewer, WebAddress);
        await page.GotoAsync(new Uri(WebAddress, "admin").ToString());
        await Assertions.Expect(page.Locator(".admin[data-loaded='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        Assert.Equal($"usage-{month}.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync(await download.PathAsync(), Cancellation);

        // The file is the API's export: its header, and the new user's lines.
        Assert.Equal(expected.Split('\n')[0], csv.Split('\n')[0]);
        Assert.Contains(user.User, csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuotasPage_SetsAGroupsQuota_AndAStaleEditGets409()
    {
        RequireChromium();
        var group = $"team-{Guid.NewGuid():N}"[..20];
        var page = await _browser.NewPageAsync(_viewer, WebAddress);
        await page.GotoAsync(new Uri(WebAddress, "admin/quotas").ToString());
        await Assertions.Expect(page.Locator(".admin[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        await page.GetByLabel("For", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "A group" }).ClickAsync();
        await page.GetByLabel("Group id", new() { Exact = true }).FillAsync(group);
        await page.GetByLabel("Daily tokens", new() { Exact = true }).FillAsync("5000");
        await page.GetByLabel("Requests per minute", new() { Exact = true }).FillAsync("7");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save quota" }).ClickAsync();
        var row = page.Locator($"tr[data-quota='group/{group}']");
        await Assertions.Expect(row).ToContainTextAsync("5,000");

        var admin = app.NewUser("quota-admin").With(roles: "Admin");
        var stored = await (await admin.SendAsync(HttpMethod.Get, $"/api/admin/quotas/group/{group}")).Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(5000, stored.GetProperty("dailyTokens").GetInt32());
        Assert.Equal(7, stored.GetProperty("requestsPerMinute").GetInt32());

        // Opened for editing here, changed by another admin meanwhile: saving the stale copy is refused, not lost.
        await row.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Actions for") }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Edit" }).ClickAsync();
        using var other = new HttpRequestMessage(HttpMethod.Put, $"/api/admin/quotas/group/{group}") { Content = JsonContent.Create(new { dailyTokens = 6000 }) };
        other.Headers.TryAddWithoutValidation("If-Match", stored.GetProperty("eTag").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(other)).StatusCode);

        await page.GetByLabel("Daily tokens", new() { Exact = true }).FillAsync("9000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save quota" }).ClickAsync();
        await Assertions.Expect(page.Locator("[role='alert'][data-code='quota_conflict']")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("6,000");
    }

    [Fact]
    public async Task UserKeysPage_ListsAnotherUsersKey_AndRevokesIt()
    {
        RequireChromium();
        var owner = app.NewUser("key-owner");
        var key = await OpenAiClients.NewKeyAsync(owner);
        Assert.Equal(HttpStatusCode.OK, (await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/v1/models", key)).StatusCode);

        var page = await _browser.NewPageAsync(_viewer, WebAddress);
        await page.GotoAsync(new Uri(WebAddress, "admin/keys").ToString());
        await Assertions.Expect(page.Locator(".admin[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByLabel("User id", new() { Exact = true }).FillAsync(owner.User);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show keys" }).ClickAsync();
        var rows = page.Locator(".key-list tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        await rows.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Revoke") }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("This user has no keys.")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/v1/models", key)).StatusCode);
    }

    private static async Task<JsonElement> ViewAsync(ApiSession admin, string by, int? top)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        using var response = await admin.SendAsync(HttpMethod.Get, $"/api/admin/usage?from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}&by={by}{(top is { } n ? $"&top={n}" : string.Empty)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }
}
