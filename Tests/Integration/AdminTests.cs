using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Usage;
using Azure.Data.Tables;
using Tests.Infrastructure;

namespace Tests.Integration;

/// <summary>
/// The admin routes against the real API and its storage: who may call each (the role matrix), the usage roll-ups
/// against the requests they sum, the audit trail's one record per permitted call, a key revoked by an admin, the CSV
/// export, a user's own remaining quota, and bad queries refused with codes.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AdminTests(AppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly string Today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every admin route, each with the need it has: read (Admin or Auditor) or change (Admin).</summary>
    public static TheoryData<string, string, bool> Routes => new()
    {
        { "GET", "/api/admin/usage", false },
        { "GET", "/api/admin/usage?by=user&top=5", false },
        { "GET", "/api/admin/usage/export", false },
        { "GET", "/api/admin/queue", false },
        { "GET", "/api/admin/users/someone/keys", false },
        { "GET", "/api/admin/audit", false },
        { "DELETE", "/api/admin/users/someone/keys/no-such-key", true },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EachAdminRoute_RefusesEveryCallerWithoutItsRole(string method, string path, bool changes)
    {
        var user = app.NewUser("matrix");
        var verb = new HttpMethod(method);
        var key = await OpenAiClients.NewKeyAsync(user.With(roles: "Admin"));

        // Who calls, and what they get: the allowed status, or the refusal's code.
        (string Who, HttpStatusCode Status, string? Code)[] expected =
        [
            ("no role", HttpStatusCode.Forbidden, "admin_role_required"),
            ("a model's role", HttpStatusCode.Forbidden, "admin_role_required"),
            ("admin, lower case", HttpStatusCode.Forbidden, "admin_role_required"),
            ("Auditor", changes ? HttpStatusCode.Forbidden : HttpStatusCode.OK, changes ? "admin_role_required" : null),
            ("Admin", changes ? HttpStatusCode.NotFound : HttpStatusCode.OK, changes ? "not_found" : null),
            ("Admin's key", HttpStatusCode.Forbidden, "key_cannot_administer"),
        ];
        var actual = new List<(string, HttpStatusCode, string?)>();
        foreach (var (who, _, _) in expected)
        {
            using var response = who switch
            {
                "no role" => await user.SendAsync(verb, path),
                "a model's role" => await user.With(roles: AppFixture.FastRole).SendAsync(verb, path),
                "admin, lower case" => await user.With(roles: "admin").SendAsync(verb, path),
                "Auditor" => await user.With(roles: "Auditor").SendAsync(verb, path),
                "Admin" => await user.With(roles: "Admin").SendAsync(verb, path),
                _ => await OpenAiClients.WithKeyAsync(app.Api, verb, path, key),
            };
            actual.Add((who, response.StatusCode, await CodeAsync(response)));
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Rollups_EqualTheSumOfTheRecordedRequests_Exactly_AndTheViewsAddThemUp()
    {
        var team = Guid.NewGuid().ToString();
        var users = Enumerable.Range(0, 3).Select(i => app.NewUser($"usage{i}").With(groups: i == 0 ? null : $"{team},{AppFixture.EmbeddingGroup}")).ToList();
        var key = await OpenAiClients.NewKeyAsync(users[1]);
        // Each user's two turns at once, in conversations of their own: one user's roll-up written in parallel. One user
        // after another, each new conversation's title (a model request the API makes for its user, after the reply)
        // settled before the next user's turns: the test app's model takes three requests at once and queues one, and a
        // title refused for a full queue would be a request the test did not make.
        var ids = users.Select(u => u.User).ToHashSet();
        var made = 0;
        foreach (var user in users)
        {
            await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
                Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(await user.CreateConversationAsync(), new { content = "count me" })).Status)));
            made += 4;
            await WaitForLedgerAsync(ids, count: made);
        }

        // Then the key's calls, a chat and an embedding at once.
        await Task.WhenAll(
            Task.Run(async () => Assert.Equal(HttpStatusCode.OK, (await V1Async(key, "/v1/chat/completions", new { model = AppFixture.Model, messages = new[] { new { role = "user", content = "hi" } } })).StatusCode), Cancellation),
            Task.Run(async () => Assert.Equal(HttpStatusCode.OK, (await V1Async(key, "/v1/embeddings", new { model = Catalogue.Embedding, input = new[] { "a", "b" } })).StatusCode), Cancellation));
        made += 2;

        // Each new conversation's title is in the ledger too.
        var (rollups, requests) = await WaitForLedgerAsync(ids, count: made);
        Assert.Equal(6, requests.Count(r => r.Route == "title"));

        // Each roll-up is exactly its requests' sums, and no request is outside a roll-up.
        var summed = requests.GroupBy(r => (r.UserKey, r.KeyId, r.Model, r.Route)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(summed.Keys.OrderBy(k => k.ToString()), rollups.Select(r => (r.UserKey, r.KeyId, r.Model, r.Route)).OrderBy(k => k.ToString()));
        foreach (var rollup in rollups)
        {
            var rows = summed[(rollup.UserKey, rollup.KeyId, rollup.Model, rollup.Route)];
            Assert.Equal(
                (rows.Count, rows.Sum(r => (long)r.PromptTokens), rows.Sum(r => (long)r.OutputTokens), rows.Sum(r => r.AdmissionWaitMs), rows.Sum(r => r.GenerationMs), rows.Sum(r => r.GpuMs)),
                (rollup.Requests, rollup.PromptTokens, rollup.OutputTokens, rollup.AdmissionWaitMs, rollup.GenerationMs, rollup.GpuMs));
        }

        // The GPU model's requests cost GPU time; the CPU embedding model's none.
        Assert.All(requests.Where(r => r.Model == Catalogue.Embedding), r => Assert.Equal(0, r.GpuMs));
        Assert.Contains(requests, r => r.Model == AppFixture.Model && r.GpuMs > 0);

        // The views: by user, by key and by group, each line the sum of its requests.
        var admin = app.NewUser("admin").With(roles: "Admin");
        var byUser = await ViewAsync(admin, "user");
        foreach (var user in users)
        {
            var line = byUser.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("key").GetString() == user.User);
            var mine = requests.Where(r => r.UserId == user.User).ToList();
            Assert.Equal((mine.Count, mine.Sum(r => (long)r.OutputTokens), mine.Sum(r => r.GpuMs) / 1000.0),
                (line.GetProperty("requests").GetInt32(), line.GetProperty("outputTokens").GetInt64(), line.GetProperty("gpuSeconds").GetDouble()));
        }

        var keyLine = (await ViewAsync(admin, "key")).GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("key").GetString() == requests.First(r => r.KeyId is not null).KeyId);
        Assert.Equal(2, keyLine.GetProperty("requests").GetInt32());
        var teamLine = (await ViewAsync(admin, "group")).GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("key").GetString() == team);
        // Two users of the team: two turns and two titles each, and the key's two calls.
        Assert.Equal(requests.Count(r => r.Groups.Contains(team)), teamLine.GetProperty("requests").GetInt32());
        Assert.Equal(10, teamLine.GetProperty("requests").GetInt32());

        // Each user's own view of their day agrees with the ledger.
        using var me = await users[1].SendAsync(HttpMethod.Get, "/api/usage/me");
        var mineToday = await me.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var own = requests.Where(r => r.UserId == users[1].User).ToList();
        Assert.Equal((own.Count, own.Sum(r => (long)r.OutputTokens)), (mineToday.GetProperty("requests").GetInt32(), mineToday.GetProperty("outputTokens").GetInt64()));
        Assert.Equal(mineToday.GetProperty("outputTokensPerDay").GetInt64() - own.Sum(r => (long)r.OutputTokens), mineToday.GetProperty("outputTokensLeft").GetInt64());

        // The month's CSV: its header from the plain file, and these users' lines adding up to the same requests.
        using var export = await admin.SendAsync(HttpMethod.Get, "/api/admin/usage/export");
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync(Cancellation)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(UsageCsvHeader, lines[0]);
        var ours = lines.Skip(1).Select(l => l.Split(',')).Where(c => ids.Contains(c[1])).ToList();
        Assert.Equal(requests.Count, ours.Sum(c => int.Parse(c[6], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(requests.Sum(r => (long)r.OutputTokens), ours.Sum(c => long.Parse(c[9], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task EveryPermittedAdminCall_IsRecordedExactlyOnce_AndARefusedOneNever()
    {
        var admin = app.NewUser("auditme").With(roles: "Admin");
        var owner = app.NewUser("owner");
        using var created = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "to revoke" });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var (key, keyId) = (body.GetProperty("key").GetString()!, body.GetProperty("info").GetProperty("id").GetString()!);

        (HttpMethod Method, string Path, HttpStatusCode Status)[] calls =
        [
            (HttpMethod.Get, "/api/admin/usage?by=model", HttpStatusCode.OK),
            (HttpMethod.Get, $"/api/admin/users/{owner.User}/keys", HttpStatusCode.OK),
            (HttpMethod.Delete, $"/api/admin/users/{owner.User}/keys/{keyId}", HttpStatusCode.NoContent),
            (HttpMethod.Delete, $"/api/admin/users/{owner.User}/keys/{keyId}", HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/admin/queue", HttpStatusCode.OK),
        ];
        await Task.WhenAll(calls.Take(2).Select(async c => Assert.Equal(c.Status, (await admin.SendAsync(c.Method, c.Path)).StatusCode)));
        foreach (var c in calls.Skip(2))
        {
            using var response = await admin.SendAsync(c.Method, c.Path);
            Assert.Equal(c.Status, response.StatusCode);
        }

        // The same user without the role, and a bad query: refused before anything is recorded.
        using (var refused = await admin.With(roles: null).SendAsync(HttpMethod.Get, "/api/admin/usage"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var invalid = await admin.SendAsync(HttpMethod.Get, "/api/admin/usage?from=yesterday"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }

        var records = await OpenAiClients.AuditTrailAsync(await app.TablesConnectionStringAsync(), admin.User);
        Assert.Equal(calls.Length, records.Count);
        Assert.Equal(calls.Length, records.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(["key.revoke", "key.revoke", "keys.read", "queue.read", "usage.read"], records.Select(r => r.Action).Order(StringComparer.Ordinal));
        Assert.All(records.Where(r => r.Action == "key.revoke"), r => Assert.Equal($"{owner.User}/{keyId}", r.Target));
        Assert.All(records, r => Assert.Equal("Admin", r.Role));

        // The revoked key no longer works; the trail is readable by an auditor (and that read is recorded too, under the auditor).
        using var afterRevoke = await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/api/conversations", key);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        var auditor = app.NewUser("auditor").With(roles: "Auditor");
        using var trail = await auditor.SendAsync(HttpMethod.Get, $"/api/admin/audit?from={Today}&to={Today}");
        var listed = (await trail.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).EnumerateArray().Where(a => a.GetProperty("actorId").GetString() == admin.User).ToList();
        Assert.Equal(calls.Length, listed.Count);
        Assert.Single(await OpenAiClients.AuditTrailAsync(await app.TablesConnectionStringAsync(), auditor.User));
    }

    [Theory]
    [InlineData("/api/admin/usage?from=2026-13-01", "invalid_period")]
    [InlineData("/api/admin/usage?from=2026-12-05&to=2026-12-01", "invalid_period")]
    [InlineData("/api/admin/usage?from=2026-01-01&to=2026-12-31", "invalid_period")]
    [InlineData("/api/admin/usage?to=tomorrow", "invalid_period")]
    [InlineData("/api/admin/usage?by=galaxy", "invalid_value")]
    [InlineData("/api/admin/usage?by=1", "invalid_value")]
    [InlineData("/api/admin/usage?top=0", "invalid_value")]
    [InlineData("/api/admin/usage?top=1e3", "invalid_value")]
    [InlineData("/api/admin/usage?top=99999999999", "invalid_value")]
    [InlineData("/api/admin/usage/export?month=2026-1x", "invalid_period")]
    [InlineData("/api/admin/audit?from=2026-02-30", "invalid_period")]
    public async Task BadQueries_AreRefusedWithACode(string path, string code)
    {
        using var response = await app.NewUser("admin").With(roles: "Admin").SendAsync(HttpMethod.Get, path);

        Assert.Equal((HttpStatusCode.BadRequest, code), (response.StatusCode, await CodeAsync(response)));
    }

    [Fact]
    public async Task MyUsage_SaysWhichAdminRolesTheCallerMayUse_NoneThroughAKey()
    {
        var user = app.NewUser("roles");
        var key = await OpenAiClients.NewKeyAsync(user.With(roles: "Admin,Auditor"));

        async Task<string[]> RolesAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            return [.. body.GetProperty("adminRoles").EnumerateArray().Select(r => r.GetString()!)];
        }

        string[][] expected = [[], [], ["Auditor"], ["Admin", "Auditor"], []];
        string[][] actual =
        [
            await RolesAsync(await user.SendAsync(HttpMethod.Get, "/api/usage/me")),
            await RolesAsync(await user.With(roles: $"{AppFixture.FastRole},admin").SendAsync(HttpMethod.Get, "/api/usage/me")),
            await RolesAsync(await user.With(roles: "Auditor").SendAsync(HttpMethod.Get, "/api/usage/me")),
            await RolesAsync(await user.With(roles: "Admin,Auditor").SendAsync(HttpMethod.Get, "/api/usage/me")),
            await RolesAsync(await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/api/usage/me", key)),
        ];
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("month=2026-1x", HttpStatusCode.BadRequest, "invalid_period")]
    [InlineData("month=", HttpStatusCode.BadRequest, "invalid_period")]
    public async Task WebsExport_PassesTheApisRefusalOn_WithItsStatusAndCode(string query, HttpStatusCode status, string code)
    {
        // The web's user is the test app's development user, an Admin: the API judges the month.
        using var response = await app.Web.GetAsync($"/admin/usage.csv?{query}", Cancellation);

        Assert.Equal((status, code), (response.StatusCode, await CodeAsync(response)));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task WebsExport_IsTheApisCsv_WithItsFileName()
    {
        var month = DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        using var response = await app.Web.GetAsync($"/admin/usage.csv?month={month}", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"usage-{month}.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(UsageCsvHeader, (await response.Content.ReadAsStringAsync(Cancellation)).Split('\n')[0].Trim());
    }

    private static readonly string UsageCsvHeader = File.ReadAllText(Path.Combine(Deployment.Repository.Root, "Api", "Admin", "usage-export-header.csv")).Trim();

    private async Task<JsonElement> ViewAsync(ApiSession admin, string by)
    {
        using var response = await admin.SendAsync(HttpMethod.Get, $"/api/admin/usage?from={Today}&to={Today}&by={by}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }

    /// <summary>Today's roll-ups and requests of these users, once all <paramref name="count"/> requests are settled.</summary>
    private async Task<(List<UsageRollup> Rollups, List<UsageRecord> Requests)> WaitForLedgerAsync(IReadOnlySet<string> users, int count)
    {
        var rollups = new UsageRollups(new TableServiceClient(await app.TablesConnectionStringAsync()), TimeProvider.System);
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        // Settling is written behind the reply: on a busy machine it may take a while, so the wait has a deadline, not a count.
        var deadline = DateTime.UtcNow + TestTimeouts.Request;
        while (true)
        {
            var requests = (await rollups.ReadRequestsAsync(day, Cancellation)).Where(r => users.Contains(r.UserId)).ToList();
            if (requests.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, requests.Count);
                return ([.. (await rollups.ReadDayAsync(day, Cancellation)).Where(r => users.Contains(r.UserId))], requests);
            }

            await Task.Delay(100, Cancellation);
        }
    }

    private async Task<HttpResponseMessage> V1Async(string key, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await app.Api.SendAsync(request, Cancellation);
        await response.Content.LoadIntoBufferAsync(Cancellation);
        return response;
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        if ((int)response.StatusCode < 400)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync(Cancellation);
        return JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : body;
    }
}
