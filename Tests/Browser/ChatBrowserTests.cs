using System.Net.Http.Json;
using System.Text.RegularExpressions;
using AppHost;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Tests.Infrastructure;
using Tests.Integration;
using Tests.TestDoubles.Ollama;
using static Tests.Browser.BrowserPages;

namespace Tests.Browser;

/// <summary>The Blazor front end in a real browser, against the app started by the Aspire harness.</summary>
[Collection(AppCollection.Name)]
public sealed class ChatBrowserTests(AppFixture app) : IAsyncLifetime
{
    private BrowserSession _browser = null!;

    /// <summary>This test's own user, with the roles the web's development user has (the fast model, the admin pages).</summary>
    private readonly ApiSession _user = app.NewUser("chat").With(roles: $"{AppFixture.FastRole},Admin");

    private Uri WebAddress => app.App.GetEndpoint(ResourceNames.Web, "http");

    public async ValueTask InitializeAsync()
    {
        if (!BrowserSession.ChromiumInstalled)
        {
            return;
        }

        await app.ResetLlmAsync();
        _browser = await BrowserSession.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        await app.ResetLlmAsync();
    }

    [Fact]
    public async Task Send_RepliesArriveProgressively_NotAllAtOnce()
    {
        RequireChromium();
        var page = await OpenAsync();
        var tokens = Enumerable.Range(1, 30).Select(i => $"word{i} ").ToArray();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = tokens, TokenInterval = TimeSpan.FromMilliseconds(100) });

        await Composer(page).FillAsync("Tell me thirty words");
        await Composer(page).PressAsync("Enter");

        var streaming = page.Locator("article.streaming .markdown");
        await streaming.WaitForAsync();
        var seen = new List<int>();
        var screenshotTaken = false;
        while (true)
        {
            // One read of the page: the streaming bubble's text, or null once the reply has ended (checking for the
            // bubble, then reading it, raced its removal and waited for a bubble that would not come back).
            var text = await page.EvaluateAsync<string?>("() => document.querySelector('article.streaming .markdown')?.textContent ?? null");
            if (text is null)
            {
                break;
            }

            if (seen.Count == 0 || text.Length != seen[^1])
            {
                seen.Add(text.Length);
            }

            if (!screenshotTaken && text.Length > 40)
            {
                await BrowserSession.ScreenshotAsync(page, "chat-streaming");
                screenshotTaken = true;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var reply = page.Locator("article.message.assistant").Last;
        await Assertions.Expect(reply).ToContainTextAsync("word30");
        Assert.True(seen.Count(length => length > 0) >= 4, $"The reply arrived in {seen.Count} steps: {string.Join(", ", seen)}.");
        Assert.Equal(seen.Order(), seen);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/c/[0-9a-f]{32}$"));
        await Assertions.Expect(page.Locator("article.message.user")).ToHaveTextAsync("Tell me thirty words");
        await BrowserSession.ScreenshotAsync(page, "chat-complete");
    }

    [Fact]
    public async Task ShiftEnter_AddsALine_EnterSends()
    {
        RequireChromium();
        var page = await OpenAsync();
        var box = Composer(page);

        await box.FillAsync("first line");
        await box.PressAsync("Shift+Enter");
        await box.PressSequentiallyAsync("second line");

        Assert.Equal("first line\nsecond line", await box.InputValueAsync());
        Assert.Equal(0, await page.Locator("article.message.user").CountAsync());
        await box.PressAsync("Enter");
        await Assertions.Expect(page.Locator("article.message.user")).ToHaveTextAsync("first line\nsecond line");
        await Assertions.Expect(page.Locator("article.message.assistant")).ToHaveCountAsync(1);
        await Assertions.Expect(box).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Stop_MidStream_KeepsThePartialReplyMarkedStopped_AndCancelsTheModel()
    {
        RequireChromium();
        var page = await OpenAsync();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 300).Select(i => $"t{i} ")], TokenInterval = TimeSpan.FromMilliseconds(60) });

        await Composer(page).FillAsync("a long answer please");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(page.Locator("article.streaming")).ToContainTextAsync("t5");
        var stoppedAt = DateTimeOffset.UtcNow;
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();

        var reply = page.Locator("article.message.assistant").Last;
        await Assertions.Expect(reply.Locator(".badge-incomplete")).ToHaveTextAsync("Stopped");
        await Assertions.Expect(reply.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        var upstream = app.Ollama.ChatRequests().Last();
        await WaitUntilAsync(() => upstream.AbortedAt is not null);
        Assert.True(upstream.TokensSent < 300);
        // Stop goes through the cancel route: the model call ends at once, not when the reply is left unread (2 s here).
        Assert.True(upstream.AbortedAt!.Value - stoppedAt < TimeSpan.FromSeconds(1.5), $"The model call ended {(upstream.AbortedAt.Value - stoppedAt).TotalMilliseconds:0} ms after Stop.");

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("article.message.assistant").Last).ToHaveAttributeAsync("data-status", "incomplete");
        await BrowserSession.ScreenshotAsync(page, "chat-stopped");
    }

    [Fact]
    public async Task Reload_MidReply_TheReplyKeepsArriving_AndEndsSaved()
    {
        RequireChromium();
        var page = await OpenAsync();
        var tokens = Enumerable.Range(0, 60).Select(i => $"w{i} ").ToArray();
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = tokens, TokenInterval = TimeSpan.FromMilliseconds(50) });
        await Composer(page).FillAsync("keep going while I reload");
        await Composer(page).PressAsync("Enter");
        await Assertions.Expect(page.Locator("article.streaming")).ToContainTextAsync("w5");

        await page.ReloadAsync();

        // The reply is followed from its start on the new page, still streaming, then the saved turn replaces it.
        await Assertions.Expect(page.Locator("article.streaming")).ToContainTextAsync("w30", new() { Timeout = 10_000 });
        var reply = page.Locator("article.message.assistant").Last;
        await Assertions.Expect(reply).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 10_000 });
        await Assertions.Expect(reply).ToContainTextAsync("w0 w1 w2");
        await Assertions.Expect(reply).ToContainTextAsync("w59");
        await Assertions.Expect(page.Locator("article.message.user").Last).ToHaveTextAsync("keep going while I reload");
        Assert.Null(app.Ollama.ChatRequests().Last().AbortedAt);
    }

    [Fact]
    public async Task KeysPage_CreatesAKeyShownOnce_ThatWorks_ThenRevokesIt()
    {
        RequireChromium();
        var page = await OpenAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        await Assertions.Expect(page.Locator(".keys[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".base-url")).ToHaveTextAsync(new Regex("^http://.+/v1$"));

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("browser key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = (await page.Locator(".created-key .secret").TextContentAsync())!.Trim();
        var row = page.Locator(".key-list tr", new() { HasText = "browser key" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        Assert.StartsWith("llmc_", key);
        // The key works as its owner, and the list shows only its hint.
        using var models = await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/v1/models", key);
        Assert.Equal(System.Net.HttpStatusCode.OK, models.StatusCode);
        await Assertions.Expect(row).Not.ToContainTextAsync(key);
        // What the key acts with: its owner's roles as of their sign-in.
        await Assertions.Expect(row.Locator(".acts-with")).ToContainTextAsync($"role {AppFixture.FastRole}");
        await Assertions.Expect(row.Locator(".acts-with")).ToContainTextAsync("role Admin");

        await row.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Revoke") }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        using var refused = await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/v1/models", key);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        await BrowserSession.ScreenshotAsync(page, "api-keys");
    }

    [Fact]
    public async Task Reload_RestoresTheOpenConversation()
    {
        RequireChromium();
        var page = await OpenAsync();
        app.Ollama.Enqueue(OllamaDoubleScript.Reply("Remembered", " answer."));
        await Composer(page).FillAsync("Remember this question");
        await Composer(page).PressAsync("Enter");
        await Assertions.Expect(page.Locator("article.message.assistant")).ToContainTextAsync("Remembered answer.");
        var url = page.Url;

        await page.ReloadAsync();

        Assert.Equal(url, page.Url);
        await Assertions.Expect(page.Locator("article.message.user")).ToHaveTextAsync("Remember this question");
        await Assertions.Expect(page.Locator("article.message.assistant")).ToContainTextAsync("Remembered answer.");
        await Assertions.Expect(page.Locator(".chat-title")).ToHaveTextAsync("Test conversation title");
    }

    [Fact]
    public async Task ModelPicker_ShowsOnlyTheUsersChatModels_WithLiveState_AndTheChosenOneIsUsedAndRemembered()
    {
        RequireChromium();
        // The fast model is pulled but not in memory: the picker says it is cold.
        app.Ollama.Unloaded[AppFixture.FastTag] = true;
        try
        {
            // The API keeps a model's probe for a few seconds: the page is opened once the API sees the model cold.
            await BrowserPages.WaitUntilAsync(async () => (await (await _user.SendAsync(HttpMethod.Get, "/api/models")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken))
                .GetProperty("models").EnumerateArray().Any(m => m.GetProperty("name").GetString() == Catalogue.Fast && !m.GetProperty("loaded").GetBoolean()));
            var page = await OpenAsync();
            var picker = page.Locator("#model");
            await Assertions.Expect(picker).ToHaveValueAsync(AppFixture.Model);
            await Assertions.Expect(page.Locator(".model-state")).ToContainTextAsync("Ready");

            // The web's user holds the fast model's role, not the secret model's; the embedding model is no chat model.
            await picker.ClickAsync();
            var options = page.GetByRole(AriaRole.Option);
            await Assertions.Expect(options).ToHaveCountAsync(2);
            Assert.Equal([$"{AppFixture.Model} (on GPU)", $"{Catalogue.Fast} (cold)"], (await options.AllInnerTextsAsync()).Select(t => t.Trim()));

            await options.Filter(new() { HasText = Catalogue.Fast }).ClickAsync();
            await Assertions.Expect(page.Locator($".model-state[data-model='{Catalogue.Fast}']")).ToContainTextAsync("Cold: the first reply loads it.");
            await Assertions.Expect(page.Locator($".model-state[data-model='{Catalogue.Fast}']")).ToHaveAttributeAsync("data-loaded", "false");

            app.Ollama.Enqueue(OllamaDoubleScript.Reply("Fast", " answer."));
            await Composer(page).FillAsync("Answer quickly");
            await Composer(page).PressAsync("Enter");
            await Assertions.Expect(page.Locator("article.message.assistant")).ToContainTextAsync("Fast answer.");

            // The fast model's server was asked, under its own tag.
            Assert.Equal(AppFixture.FastTag, app.Ollama.ChatRequests().Last(r => r.Messages.Any(m => m.Content == "Answer quickly")).Model);

            await page.ReloadAsync();
            await Assertions.Expect(page.Locator("article.message.assistant")).ToContainTextAsync("Fast answer.");
            await Assertions.Expect(picker).ToHaveValueAsync(Catalogue.Fast);

            // A new conversation starts on the default again; opening the old one brings its model back.
            var url = page.Url;
            await page.GotoAsync(WebAddress.ToString());
            await Assertions.Expect(picker).ToHaveValueAsync(AppFixture.Model);
            await page.GotoAsync(url);
            await Assertions.Expect(picker).ToHaveValueAsync(Catalogue.Fast);
        }
        finally
        {
            app.Ollama.Unloaded.Clear();
        }
    }

    [Fact]
    public async Task QuotaLine_ShowsWhatIsLeftOfTheUsersDay_AsTheApiCountsIt_AfterEachReply()
    {
        RequireChromium();
        var page = await OpenAsync();
        var line = page.Locator(".quota-line");
        await line.WaitForAsync();
        var before = long.Parse((await line.GetAttributeAsync("data-left"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(await ApiLeftAsync(), before);

        app.Ollama.Enqueue(OllamaDoubleScript.Reply("one ", "two ", "three ", "four ", "five"));
        await Composer(page).FillAsync("Count to five");
        await Composer(page).PressAsync("Enter");
        await Assertions.Expect(page.Locator("article.message.assistant")).ToContainTextAsync("five");

        // The reply (and its title) settle in the ledger; the line follows the API's count, lower than before.
        long left = before;
        await BrowserPages.WaitUntilAsync(async () => (left = await ApiLeftAsync()) < before && left == await ApiLeftAsync());
        await Assertions.Expect(line).ToHaveAttributeAsync("data-left", left.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 20_000 });
        await Assertions.Expect(line).ToContainTextAsync(left.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " of ");

        async Task<long> ApiLeftAsync() =>
            (await (await _user.SendAsync(HttpMethod.Get, "/api/usage/me")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken)).GetProperty("outputTokensLeft").GetInt64();
    }

    [Fact]
    public async Task RenameAndDelete_FromTheSidebar()
    {
        RequireChromium();
        var page = await OpenAsync();
        await Composer(page).FillAsync("Conversation to manage");
        await Composer(page).PressAsync("Enter");
        await Assertions.Expect(page.Locator("article.message.assistant")).ToHaveCountAsync(1);
        var id = page.Url[^32..];
        var item = page.Locator($"li[data-conversation-id='{id}']");

        // The conversation's actions are in its menu.
        await item.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Actions for") }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Rename" }).ClickAsync();
        await item.GetByLabel("New title").FillAsync("Renamed in the browser");
        await item.GetByLabel("New title").PressAsync("Enter");
        await Assertions.Expect(item.GetByRole(AriaRole.Link)).ToHaveTextAsync("Renamed in the browser");

        await item.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Actions for") }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Delete" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("Renamed in the browser");
        await Assertions.Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await BrowserSession.ScreenshotAsync(page, "delete-confirmation");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();

        await Assertions.Expect(item).ToHaveCountAsync(0);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(id));
        using var gone = await _user.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Banner_WhenTheModelServerIsDown_SaysSoInPlainWords()
    {
        RequireChromium();
        await app.Ollama.StopAsync();
        var page = await OpenAsync();

        var banner = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "unavailable" });
        await Assertions.Expect(banner).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(banner).ToContainTextAsync("The assistant is unavailable right now.");
        await BrowserSession.ScreenshotAsync(page, "banner-unavailable");

        await Composer(page).FillAsync("anyone there?");
        await Composer(page).PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Try again in", new() { Timeout = 30_000 });
        Assert.Equal("anyone there?", await Composer(page).InputValueAsync());
    }

    [Fact]
    public async Task HostileReply_RunsNothing_LoadsNothing()
    {
        RequireChromium();
        var page = await OpenAsync();
        var hostile = string.Join("\n\n",
            "Here you go:",
            "<script>alert('script')</script>",
            "<img src=x onerror=\"alert('img')\">",
            "[click me](javascript:alert('link'))",
            "[entity](jav&#x09;ascript:alert('entity'))",
            "![tracker](https://evil.example/pixel.png)",
            "<iframe src=\"https://evil.example/frame\"></iframe>",
            "```js\nconsole.log('code stays text')\n```",
            "[safe link](https://learn.microsoft.com/dotnet/)");
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. hostile.Chunk(12).Select(c => new string(c))] });

        await Composer(page).FillAsync("show me something");
        await Composer(page).PressAsync("Enter");
        var reply = page.Locator("article.message.assistant").Last;
        await Assertions.Expect(reply).ToContainTextAsync("safe link");
        await page.WaitForTimeoutAsync(1_000);

        Assert.Empty(_browser.Dialogs);
        Assert.DoesNotContain(_browser.Requests, url => url.Contains("evil.example", StringComparison.Ordinal));
        Assert.Equal(0, await reply.Locator("script, iframe, img").CountAsync());
        Assert.Equal(0, await reply.Locator("[onerror], [onclick], a[href^='javascript']").CountAsync());
        await Assertions.Expect(reply).ToContainTextAsync("<script>alert('script')</script>");
        await Assertions.Expect(reply).ToContainTextAsync("[image not shown: tracker from evil.example]");
        var safe = reply.GetByRole(AriaRole.Link, new() { Name = "safe link" });
        await Assertions.Expect(safe).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
        await Assertions.Expect(reply.Locator("pre code.language-js")).ToHaveTextAsync("console.log('code stays text')\n");
        Assert.DoesNotContain(_browser.ConsoleErrors, error => error.Contains("Content Security Policy", StringComparison.Ordinal));
        await BrowserSession.ScreenshotAsync(page, "hostile-reply");
    }

    [Fact]
    public async Task Page_SendsSecurityHeaders()
    {
        RequireChromium();
        var page = await _browser.NewPageAsync(_user, WebAddress);

        var response = await page.GotoAsync(WebAddress.ToString());
        var headers = await response!.AllHeadersAsync();

        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
        Assert.Contains("script-src 'self'", headers["content-security-policy"]);
        Assert.DoesNotContain("unsafe-eval", headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
    }

    [Fact]
    public async Task Phone_And_DarkMode_Screenshots()
    {
        RequireChromium();
        var phone = await _browser.NewPageAsync(_user, WebAddress, 390, 844, ColorScheme.Dark);
        await phone.GotoAsync(WebAddress.ToString());
        await WaitInteractiveAsync(phone);
        await Composer(phone).FillAsync("Hello from a phone");
        await Composer(phone).PressAsync("Enter");
        await Assertions.Expect(phone.Locator("article.message.assistant")).ToHaveCountAsync(1);

        var width = await phone.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"The page scrolls sideways on a phone ({width}px).");
        await BrowserSession.ScreenshotAsync(phone, "phone-dark");
    }

    [Fact]
    public async Task Markdown_Reply_RendersCodeWithACopyButton()
    {
        RequireChromium();
        var page = await OpenAsync();
        var reply = "Use **KEDA** to scale Ollama on the API's queue depth:\n\n```yaml\ntriggers:\n  - type: prometheus\n    metadata:\n      query: sum(llm_requests_in_flight) + sum(llm_requests_queued)\n      threshold: \"4\"\n```\n\n| Signal | Why |\n|---|---|\n| In flight + queued | Ollama exports no metrics |\n| GPU utilisation | One request saturates it |\n\nSee [the KEDA docs](https://keda.sh/docs/).";
        app.Ollama.NonStreamingReply = "Scaling Ollama with KEDA";
        app.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. reply.Chunk(6).Select(c => new string(c))], TokenInterval = TimeSpan.FromMilliseconds(5) });

        await Composer(page).FillAsync("How should I autoscale Ollama on AKS?");
        await Composer(page).PressAsync("Enter");
        var message = page.Locator("article.message.assistant").Last;
        await Assertions.Expect(message.Locator("table")).ToBeVisibleAsync();

        await Assertions.Expect(message.Locator("pre code.language-yaml")).ToContainTextAsync("type: prometheus");
        // The title comes after the reply's last event: from then on the message is final and is not re-rendered
        // (a click during the stream can land on a button the next render replaces).
        await Assertions.Expect(page.Locator(".chat-title")).ToHaveTextAsync("Scaling Ollama with KEDA");
        await message.GetByRole(AriaRole.Button, new() { Name = "Copy code" }).ClickAsync();
        await Assertions.Expect(message.Locator("button.copy-code")).ToHaveTextAsync("Copied");
        Assert.Contains("llm_requests_queued", await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await BrowserSession.ScreenshotAsync(page, "readme-chat");
    }

    private async Task<IPage> OpenAsync()
    {
        var page = await _browser.NewPageAsync(_user, WebAddress);
        await page.GotoAsync(WebAddress.ToString());
        await WaitInteractiveAsync(page);
        return page;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "The condition did not become true within 10 s.");
    }
}
