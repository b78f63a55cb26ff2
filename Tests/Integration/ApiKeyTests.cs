using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Tests.Integration;

/// <summary>
/// Personal API keys against the real API and its storage: a key is shown once and works as its owner (same data),
/// a key cannot manage keys, a revoked or expired key is refused, and a key works where the dev user does not exist.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ApiKeyTests(AppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> WithKeyAsync(HttpClient client, HttpMethod method, string path, string key, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.SendAsync(request, Cancellation);
    }

    [Fact]
    public async Task Key_ShownOnce_ActsAsItsOwner_CannotMakeKeys_AndStopsWhenRevoked()
    {
        var owner = app.NewUser("keys");
        var conversation = await owner.CreateConversationAsync("mine");

        using var created = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "my script" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var key = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("info").GetProperty("id").GetString()!;
        Assert.StartsWith("llmc_", key);

        using var listed = await owner.SendAsync(HttpMethod.Get, "/api/keys");
        var listText = await listed.Content.ReadAsStringAsync(Cancellation);
        Assert.Contains("my script", listText);
        Assert.DoesNotContain(key, listText);
        Assert.DoesNotContain(key[10..], listText);

        using var asOwner = await WithKeyAsync(app.Api, HttpMethod.Get, $"/api/conversations/{conversation}", key);
        Assert.Equal(HttpStatusCode.OK, asOwner.StatusCode);
        using var mint = await WithKeyAsync(app.Api, HttpMethod.Post, "/api/keys", key, new { name = "another" });
        Assert.Equal(HttpStatusCode.Forbidden, mint.StatusCode);
        Assert.Equal("key_cannot_manage_keys", (await mint.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());

        using var revoked = await owner.SendAsync(HttpMethod.Delete, $"/api/keys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var afterRevoke = await WithKeyAsync(app.Api, HttpMethod.Get, $"/api/conversations/{conversation}", key);
        using var wrongKey = await WithKeyAsync(app.Api, HttpMethod.Get, "/api/conversations", "llmc_" + new string('A', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
    }

    [Fact]
    public async Task Key_BadNames_AndPastExpiry_AreRefusedWithCodes()
    {
        var owner = app.NewUser("keys");

        using var empty = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = " " });
        using var past = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "old", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        using var tooFar = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "forever", expiresAt = DateTimeOffset.UtcNow.AddDays(91) });
        using var unsaid = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "no expiry given" });

        Assert.Equal("invalid_key_name", (await empty.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        Assert.Equal("invalid_key_expiry", (await past.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        Assert.Equal("invalid_key_expiry", (await tooFar.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        // Every key ends: one made without an expiry gets the longest lifetime, 90 days.
        var expires = (await unsaid.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("info").GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(90).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(90).AddMinutes(5));
    }

    /// <summary>
    /// Made-up keys from one address (shared, as behind a NAT or a node's address): each costs one point read (a
    /// repeated one, none), and past the address's limit the answer is 429, while every genuine key from the same address
    /// goes on: one this replica knows, one whose cache entry lapsed, and one it has never seen. Before: the address
    /// was refused unread, and a key new to the replica was refused with it.
    /// </summary>
    [Fact]
    public async Task MadeUpKeys_FromOneAddress_Get429PastTheLimit_WhileEveryGenuineKeyGoesOn_EvenOneNeverSeenHere()
    {
        var owner = app.NewUser("keys");
        var genuine = await OpenAiClients.NewKeyAsync(owner);
        var newcomer = await OpenAiClients.NewKeyAsync(app.NewUser("keys"));
        await using var api = new InProcessApiFactory(app, "Development", new Dictionary<string, string?>
        {
            ["Auth:DevUser:Enabled"] = "true",
            ["Auth:FailedAuthenticationsPerMinute"] = "20",
            ["ApiKeys:CacheDuration"] = "00:00:02",
        });
        using var client = api.CreateClient();
        var store = api.Services.GetRequiredService<Api.Keys.ApiKeyStore>();
        using (var first = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", genuine))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var readsBefore = store.LookupReads;
        var statuses = new List<(HttpStatusCode Status, string? Code)>();
        for (var i = 0; i < 60; i++)
        {
            using var response = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", "llmc_" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N")[..11]);
            statuses.Add((response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString()));
        }

        var readsAfterFlood = store.LookupReads;
        using var genuineDuringFlood = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", genuine);
        using var newcomerDuringFlood = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", newcomer);
        var repeated = "llmc_" + new string('q', 43);
        using var madeUp = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", repeated);
        var readsBeforeRepeat = store.LookupReads;
        using var madeUpAgain = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", repeated);
        var readsAfterRepeat = store.LookupReads;
        // Once the key's cache entry has lapsed, the key found genuine a moment ago is looked up again and works.
        await Task.Delay(TimeSpan.FromSeconds(2.5), Cancellation);
        using var genuineAfterItsCacheLapsed = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", genuine);

        Assert.Equal(Enumerable.Repeat((HttpStatusCode.Unauthorized, (string?)"invalid_api_key"), 20), statuses.Take(20));
        Assert.All(statuses.Skip(20), s => Assert.Equal((HttpStatusCode.TooManyRequests, (string?)"authentication_failures"), s));
        Assert.Equal(60, readsAfterFlood - readsBefore);
        Assert.Equal(HttpStatusCode.OK, genuineDuringFlood.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newcomerDuringFlood.StatusCode);
        Assert.Equal((HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests), (madeUp.StatusCode, madeUpAgain.StatusCode));
        Assert.Equal(readsBeforeRepeat, readsAfterRepeat);
        Assert.Equal(HttpStatusCode.OK, genuineAfterItsCacheLapsed.StatusCode);
    }

    /// <summary>
    /// Twenty creations at once for a user who holds none: exactly the limit (10) are made, the rest refused 409
    /// <c>too_many_keys</c>. Before: each counted the keys, then wrote, so parallel creations all counted the same few.
    /// </summary>
    [Fact]
    public async Task ParallelCreations_MakeNoMoreKeysThanTheLimit()
    {
        var owner = app.NewUser("keys-race");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var created = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = $"parallel {i}" });
            return (created.StatusCode, created.IsSuccessStatusCode ? null : (await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        }));
        using var listed = await owner.SendAsync(HttpMethod.Get, "/api/keys");
        var held = (await listed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetArrayLength();

        Assert.Equal(10, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal((HttpStatusCode.Conflict, (string?)"too_many_keys"), a));
        Assert.Equal(10, held);
    }

    [Fact]
    public async Task Production_AKey_SignsInWithoutAnyDevUser_AndAnExpiredKeyDoesNot()
    {
        var owner = app.NewUser("keys");
        using var created = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "ci" });
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("key").GetString()!;
        using var shortLived = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "brief", expiresAt = DateTimeOffset.UtcNow.AddSeconds(2) });
        var brief = (await shortLived.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("key").GetString()!;
        await using var api = new InProcessApiFactory(app, "Production", new Dictionary<string, string?>
        {
            ["Auth:Jwt:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            ["Auth:Jwt:Audience"] = "api://llm-chat-api",
            ["Auth:Jwt:RequiredScope"] = "chat",
            ["Auth:Jwt:ClientIds:0"] = "web-client",
        });
        using var client = api.CreateClient();

        using var withKey = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", key);
        await Task.Delay(TimeSpan.FromSeconds(2.5), Cancellation);
        using var expired = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", brief);

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    /// <summary>
    /// Before: a key lived as long as it was not revoked, whatever became of its owner. Now a key works only while its
    /// owner has signed in themselves within ApiKeys:OwnerInactivityLimit, and their next sign-in brings it back.
    /// </summary>
    [Fact]
    public async Task Key_WhoseOwnerHasNotSignedInForTheLimit_StopsWorking_UntilTheOwnerSignsInAgain()
    {
        var owner = app.NewUser("keys");
        var key = await OpenAiClients.NewKeyAsync(owner);
        var table = new Azure.Data.Tables.TableServiceClient(await app.TablesConnectionStringAsync()).GetTableClient(new Api.Keys.ApiKeyOptions().TableName);
        await table.UpsertEntityAsync(new Azure.Data.Tables.TableEntity(Api.Auth.CurrentUser.ToPartitionKey(owner.User), "owner") { ["LastSignInAt"] = DateTimeOffset.UtcNow.AddDays(-15) }, cancellationToken: Cancellation);
        await using var api = new InProcessApiFactory(app, "Development", new Dictionary<string, string?> { ["Auth:DevUser:Enabled"] = "true" });
        using var client = api.CreateClient();

        using var whileAway = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", key);
        using var signIn = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        signIn.Headers.Add("X-Dev-User", owner.User);
        using var signedIn = await client.SendAsync(signIn, Cancellation);
        using var back = await WithKeyAsync(client, HttpMethod.Get, "/api/conversations", key);

        Assert.Equal(HttpStatusCode.Unauthorized, whileAway.StatusCode);
        Assert.Equal("invalid_api_key", (await whileAway.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    /// <summary>Before: revoking a key left the streams it had started running to their end. Now they end with the revoke.</summary>
    [Fact]
    public async Task RevokingAKey_EndsTheStreamsItIsRunning()
    {
        var owner = app.NewUser("keys");
        using var created = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "long stream" });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var (key, id) = (body.GetProperty("key").GetString()!, body.GetProperty("info").GetProperty("id").GetString()!);
        var prompt = "stream for a while " + Guid.NewGuid().ToString("N");
        app.Ollama.ClearScripts();
        app.Ollama.Enqueue(new Tests.TestDoubles.Ollama.OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 400).Select(i => $" t{i}")], TokenInterval = TimeSpan.FromMilliseconds(25) });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = AppFixture.Model, stream = true, messages = new[] { new { role = "user", content = prompt } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await app.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation);
        var frames = response.Content.ReadAsStringAsync(Cancellation);
        Tests.TestDoubles.Ollama.OllamaDoubleRequest? upstream = null;
        for (var i = 0; i < 600 && (upstream = app.Ollama.ChatRequests().LastOrDefault(r => r.Messages.Any(m => m.Content == prompt))) is not { TokensSent: >= 10 }; i++)
        {
            await Task.Delay(50, Cancellation);
        }

        using var revoked = await owner.SendAsync(HttpMethod.Delete, $"/api/keys/{id}");
        var text = await frames;
        for (var i = 0; i < 100 && upstream!.AbortedAt is null; i++)
        {
            await Task.Delay(50, Cancellation);
        }

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Contains("\"invalid_api_key\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
        Assert.NotNull(upstream!.AbortedAt);
        Assert.True(upstream.TokensSent < 400, $"{upstream.TokensSent} tokens sent");
    }

    /// <summary>
    /// Before: a key kept the app roles and groups its owner had when it was made, for as long as the key lived: a role
    /// taken away still granted its models through the key, a group joined never bound the key to its budget. Now a key
    /// acts with what its owner held at their last sign-in, and the owner's key list says what that is.
    /// </summary>
    [Fact]
    public async Task Key_ActsWithItsOwnersRolesAndGroups_AsOfTheirLastSignIn_NotThoseItWasMadeWith()
    {
        var group = Guid.NewGuid().ToString();
        var admin = app.NewUser("admin").With(roles: "Admin");
        using (var set = await admin.SendAsync(HttpMethod.Put, $"/api/admin/quotas/group/{group}", new { dailyTokens = 5000 }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var owner = app.NewUser("keys").With(roles: AppFixture.FastRole);
        var key = await OpenAiClients.NewKeyAsync(owner);
        var modelsWhenMade = await ModelIdsAsync(key);

        // The fast role is taken away and the group joined: the owner's next sign-in says so.
        var now = owner.With(groups: group);
        using (var signIn = await now.SendAsync(HttpMethod.Get, "/api/conversations"))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }

        var modelsNow = await ModelIdsAsync(key);
        using var fast = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = Tests.Infrastructure.Catalogue.Fast, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        fast.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var refused = await app.Api.SendAsync(fast, Cancellation);
        var boundBy = await GroupBudgetsSeenByAsync(key, group);
        using var listed = await now.SendAsync(HttpMethod.Get, "/api/keys");
        var info = (await listed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).EnumerateArray().Single();

        Assert.Contains(Tests.Infrastructure.Catalogue.Fast, modelsWhenMade);
        Assert.DoesNotContain(Tests.Infrastructure.Catalogue.Fast, modelsNow);
        Assert.Contains(AppFixture.Model, modelsNow);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("model_not_found", (await refused.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(group, boundBy);
        Assert.Empty(info.GetProperty("roles").EnumerateArray());
        Assert.Equal([group], info.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!));
    }

    private async Task<List<string>> ModelIdsAsync(string key)
    {
        using var models = await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/v1/models", key);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        return [.. (await models.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
    }

    /// <summary>The group budgets the key's own usage view shows, once the API has read the new quota (it reads them every few seconds).</summary>
    private async Task<List<string>> GroupBudgetsSeenByAsync(string key, string group)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var me = await OpenAiClients.WithKeyAsync(app.Api, HttpMethod.Get, "/api/usage/me", key);
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            List<string> groups = [.. (await me.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("groupBudgets").EnumerateArray().Select(b => b.GetProperty("group").GetString()!)];
            if (groups.Contains(group) || DateTime.UtcNow > deadline)
            {
                return groups;
            }

            await Task.Delay(100, Cancellation);
        }
    }
}
