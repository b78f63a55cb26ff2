using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tests.Integration;

/// <summary>
/// Sessions survive a replica going away (a rollout, a scale-in, a node upgrade): two real web replicas in the Aspire
/// harness signing in with Entra ID (its double, over HTTPS), the user signed in on one, that one stopped, and the next
/// page that calls the API on the user's behalf, served by the other, succeeds: the sign-in cookie is read with the
/// shared key ring, and the user's API token comes from the token cache the replicas share, with no new sign-in.
/// </summary>
[Collection(WebReplicasAppCollection.Name)]
public sealed class WebSessionTests(WebReplicasAppFixture app)
{
    [Fact]
    public async Task SignedInUser_WhoseReplicaStops_CallsTheApiFromTheOther_WithoutSigningInAgain_AndSignsOutOnlyWithTheFormsToken()
    {
        var replicas = await app.WebReplicasAsync();
        Assert.Equal(2, replicas.Count);
        var (first, second) = (replicas[0], replicas[1]);
        var user = Guid.NewGuid().ToString();
        // The user's conversation, made through the API with a token Entra issued for them.
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/conversations") { Content = JsonContent.Create(new { title = "Before the rollout" }) };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", app.Entra.AccessToken(WebReplicasAppFixture.ApiClientId, WebReplicasAppFixture.WebClientId, user, "Ada"));
        using var created = await app.Api.SendAsync(create, TestContext.Current.CancellationToken);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var conversation = JsonDocument.Parse(await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("id").GetString();
        using var browser = new CookieBrowser();

        // Sign in on the first replica: sent to Entra, back with a code the replica redeems.
        using var challenge = await browser.GetAsync(new Uri(first.Address, "account/signin?returnUrl=%2F"));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var (redirect, form) = app.Entra.SignIn(challenge.Headers.Location!, user, "Ada");
        Assert.Equal(new Uri(first.Address, "signin-oidc"), redirect);
        using var signedIn = await browser.PostFormAsync(redirect, form);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var onFirst = await PageAsync(browser, first.Address);

        await app.StopReplicaAsync(first.Id);
        var onSecond = await PageAsync(browser, second.Address);

        // Both pages list the user's conversation: each called the API with the user's token.
        Assert.Contains($"data-conversation-id=\"{conversation}\"", onFirst, StringComparison.Ordinal);
        Assert.Contains($"data-conversation-id=\"{conversation}\"", onSecond, StringComparison.Ordinal);
        Assert.DoesNotContain("role=\"alert\"", onSecond, StringComparison.Ordinal);
        // One sign-in, one code redeemed, nothing refused: the second replica found the user's tokens in the shared
        // cache, which is the web's own blob container (it has no way to the API's store).
        Assert.True(await app.TokenCacheEntriesAsync() > 0);
        Assert.Equal(1, app.Entra.SignIns);
        Assert.Equal(["authorization_code"], app.Entra.TokenRequests.Where(r => r.Error is null).Select(r => r.GrantType).Distinct());
        Assert.DoesNotContain(app.Entra.TokenRequests, r => r.Error is not null);
        using var direct = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => direct.GetAsync(first.Address, TestContext.Current.CancellationToken));

        // Sign-out is a form post that carries the page's antiforgery token: a post without it (a cross-site form) is
        // refused and the session kept; the page's own form signs out, through Entra's end-session endpoint.
        using var forged = await browser.PostFormAsync(new Uri(second.Address, "account/signout"), new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("\"antiforgery_failed\"", await forged.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains($"data-conversation-id=\"{conversation}\"", await PageAsync(browser, second.Address), StringComparison.Ordinal);
        var token = System.Text.RegularExpressions.Regex.Match(onSecond, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using var signedOut = await browser.PostFormAsync(new Uri(second.Address, "account/signout"), new Dictionary<string, string> { ["__RequestVerificationToken"] = System.Net.WebUtility.HtmlDecode(token) });
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.EndsWith("/oauth2/v2.0/logout", signedOut.Headers.Location!.GetLeftPart(UriPartial.Path), StringComparison.Ordinal);
    }

    private static async Task<string> PageAsync(CookieBrowser browser, Uri replica)
    {
        using var page = await browser.GetAsync(replica);
        var body = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{replica}: {(int)page.StatusCode} {page.Headers.Location}\n{body[..Math.Min(body.Length, 2000)]}");
        return body;
    }
}
