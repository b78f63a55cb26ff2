using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Integration;

/// <summary>
/// Quotas per user and per group against the real API: bad values refused with a code, two admins changing the same
/// quota at once (one wins, the other gets 409, nothing is lost), and a quota that applies to the user's next request
/// (requests a minute, allowed models, daily tokens).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class QuotaTests(AppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"dailyTokens":-1}""", "dailyTokens")]
    [InlineData("""{"dailyTokens":1000000001}""", "dailyTokens")]
    [InlineData("""{"dailyTokens":1e30}""", "dailyTokens")]
    [InlineData("""{"dailyTokens":"5000"}""", "dailyTokens")]
    [InlineData("""{"requestsPerMinute":2.5}""", "requestsPerMinute")]
    [InlineData("""{"requestsPerMinute":true}""", "requestsPerMinute")]
    [InlineData("""{"concurrentStreams":-3}""", "concurrentStreams")]
    [InlineData("""{"concurrentStreams":999999}""", "concurrentStreams")]
    [InlineData("""{"allowedModels":["gpt-4"]}""", "allowedModels")]
    [InlineData("""{"allowedModels":"chat"}""", "allowedModels")]
    [InlineData("""{"dailyTokenz":10}""", "dailyTokenz")]
    [InlineData("""[1,2]""", null)]
    [InlineData("""not json""", null)]
    public async Task AQuotaThatIsNegativeAbsurdOrNotANumber_IsRefusedWithACode_AndNothingIsStored(string body, string? param)
    {
        var admin = app.NewUser("admin").With(roles: "Admin");
        var target = Guid.NewGuid().ToString();

        using var response = await PutAsync(admin, $"/api/admin/quotas/user/{target}", body, ifMatch: null);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement;
        using var stored = await admin.SendAsync(HttpMethod.Get, $"/api/admin/quotas/user/{target}");

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_quota"), (response.StatusCode, problem.GetProperty("code").GetString()));
        Assert.Equal(param, problem.TryGetProperty("param", out var named) ? named.GetString() : null);
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact]
    public async Task TwoAdminsChangingOneQuotaAtOnce_OneWins_TheOtherGets409_AndNothingIsLost()
    {
        var (ada, bob) = (app.NewUser("ada").With(roles: "Admin"), app.NewUser("bob").With(roles: "Admin"));
        var group = Guid.NewGuid().ToString();
        var path = $"/api/admin/quotas/group/{group}";

        // Both make it at once: one is made, the other is told it exists.
        var made = await Task.WhenAll(PutAsync(ada, path, """{"dailyTokens":1000}""", null), PutAsync(bob, path, """{"dailyTokens":2000}""", null));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], made.Select(r => r.StatusCode).Order());

        // Both read version 1, both change it at once: one change lands, the other is refused, not merged.
        using var read = await ada.SendAsync(HttpMethod.Get, path);
        var version = read.Headers.ETag!.ToString();
        var changes = await Task.WhenAll(
            PutAsync(ada, path, """{"dailyTokens":3000,"requestsPerMinute":5}""", version),
            PutAsync(bob, path, """{"dailyTokens":4000,"allowedModels":["chat"]}""", version));
        var statuses = changes.Select(r => r.StatusCode).ToList();
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses.Order());
        var loser = changes.Single(r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal("quota_conflict", (await loser.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());

        // What is stored is the winner's whole change, nothing of the loser's.
        var winner = await changes.Single(r => r.StatusCode == HttpStatusCode.OK).Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        using var after = await bob.SendAsync(HttpMethod.Get, path);
        var stored = await after.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(winner.GetProperty("dailyTokens").GetInt32(), stored.GetProperty("dailyTokens").GetInt32());
        Assert.Equal(winner.GetProperty("requestsPerMinute").ToString(), stored.GetProperty("requestsPerMinute").ToString());
        Assert.Equal(winner.GetProperty("allowedModels").ToString(), stored.GetProperty("allowedModels").ToString());
        Assert.Equal(winner.GetProperty("eTag").GetString(), after.Headers.ETag!.ToString());

        // Removing takes the current version too: the old one is refused, the current one removes it.
        using var stale = await RemoveAsync(ada, path, version);
        using var removed = await RemoveAsync(ada, path, after.Headers.ETag!.ToString());
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.NoContent), (stale.StatusCode, removed.StatusCode));

        foreach (var response in made.Concat(changes))
        {
            response.Dispose();
        }

        // Each admin call on record once, the refused changes too (they were attempts), under its admin.
        var audit = new Api.Admin.AdminAudit(new Azure.Data.Tables.TableServiceClient(await app.TablesConnectionStringAsync()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var records = (await audit.ReadAsync(today, today, Cancellation)).Where(r => r.Target == $"group/{group}").ToList();
        Assert.Equal(["quota.read", "quota.remove", "quota.remove", "quota.set", "quota.set"], records.Where(r => r.ActorId == ada.User).Select(r => r.Action).Order(StringComparer.Ordinal));
        Assert.Equal(["quota.read", "quota.set", "quota.set"], records.Where(r => r.ActorId == bob.User).Select(r => r.Action).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AUsersQuota_AppliesToTheirNextRequest_AndTheyCanSeeIt()
    {
        var admin = app.NewUser("admin").With(roles: "Admin");
        // Allowed the fast model by its role (the test catalogue's), then narrowed to it by the quota.
        var user = app.NewUser("quota").With(roles: AppFixture.FastRole);
        var id = await user.CreateConversationAsync("quota");

        using (var set = await PutAsync(admin, $"/api/admin/quotas/user/{user.User}", $$"""{"requestsPerMinute":2,"dailyTokens":50,"allowedModels":["{{Catalogue.Fast}}"]}""", null))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        // The default model is no longer theirs: it does not exist for them, in the picker or on a request.
        var defaultModel = await user.ChatAsync(id, new { content = "hi" });
        using var models = await user.SendAsync(HttpMethod.Get, "/api/models");
        var listed = (await models.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (defaultModel.Status, defaultModel.Problem.GetProperty("code").GetString()));
        Assert.Equal([Catalogue.Fast], listed);

        // Two requests a minute (the refused one above was refused before it was counted): the third is refused, with
        // their limit in its words.
        var first = await user.ChatAsync(id, new { content = "hi", model = Catalogue.Fast, maxOutputTokens = 5 });
        var second = await user.ChatAsync(id, new { content = "hi", model = Catalogue.Fast, maxOutputTokens = 5 });
        var third = await user.ChatAsync(id, new { content = "hi", model = Catalogue.Fast, maxOutputTokens = 5 });
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, second.Status));
        Assert.Equal((HttpStatusCode.TooManyRequests, "requests_per_minute"), (third.Status, third.Problem.GetProperty("code").GetString()));
        Assert.Contains("2 requests a minute", third.Problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // They see their own limits.
        using var me = await user.SendAsync(HttpMethod.Get, "/api/usage/me");
        var mine = await me.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal((50, 2), (mine.GetProperty("outputTokensPerDay").GetInt32(), mine.GetProperty("requestsPerMinute").GetInt32()));
    }

    private async Task<HttpResponseMessage> PutAsync(ApiSession admin, string path, string body, string? ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await admin.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> RemoveAsync(ApiSession admin, string path, string ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await admin.SendAsync(request);
    }
}
