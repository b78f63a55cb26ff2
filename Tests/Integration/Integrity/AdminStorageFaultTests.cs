using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// The admin routes while the store is away: each answers 503 <c>storage_unavailable</c> with a Retry-After, and
/// nothing is half done: no quota stored, no key revoked, no audit record of an action that was not carried out. When
/// the store is back, the same calls succeed once, each with its one record.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class AdminStorageFaultTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoreDown_AdminReadsAndChanges_Are503_NothingIsChangedOrRecorded_AndTheyWorkOnceItIsBack()
    {
        var admin = api.Session("admin-" + Guid.NewGuid().ToString("N")[..10]).With(roles: "Admin");
        var owner = api.Session();
        var key = await OpenAiClients.NewKeyAsync(owner);
        var keyId = (await (await owner.SendAsync(HttpMethod.Get, "/api/keys")).Content.ReadFromJsonAsync<JsonElement>(Cancellation))[0].GetProperty("id").GetString();
        var group = "team-" + Guid.NewGuid().ToString("N")[..10];
        var quota = new { dailyTokens = 1000 };

        api.Storage.Cut();
        var refusals = new List<(string Call, HttpStatusCode Status, string? Code, bool RetryAfter)>();
        try
        {
            foreach (var (call, send) in Calls(admin, group, quota, owner.User, keyId!))
            {
                using var response = await send();
                refusals.Add((call, response.StatusCode, await CodeOfAsync(response, HttpStatusCode.ServiceUnavailable), response.Headers.RetryAfter is not null));
            }
        }
        finally
        {
            api.Storage.Restore();
        }

        Assert.All(refusals, r => Assert.Equal((HttpStatusCode.ServiceUnavailable, "storage_unavailable", true), (r.Status, r.Code, r.RetryAfter)));

        // Nothing happened: no quota, the key still works, and the trail holds no record of the admin.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Get, $"/api/admin/quotas/group/{group}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await OpenAiClients.WithKeyAsync(api.Http, HttpMethod.Get, "/v1/models", key)).StatusCode);
        Assert.Equal(["quota.read"], (await OpenAiClients.AuditTrailAsync(api.Azurite.ConnectionString, admin.User)).Select(a => a.Action));

        // Back: each change is made once, with its record.
        using (var set = await admin.SendAsync(HttpMethod.Put, $"/api/admin/quotas/group/{group}", quota))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/admin/users/{owner.User}/keys/{keyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await OpenAiClients.WithKeyAsync(api.Http, HttpMethod.Get, "/v1/models", key)).StatusCode);
        Assert.Equal(["quota.read", "quota.set", "key.revoke"], (await OpenAiClients.AuditTrailAsync(api.Azurite.ConnectionString, admin.User)).Select(a => a.Action));
    }

    private static IEnumerable<(string Call, Func<Task<HttpResponseMessage>> Send)> Calls(ApiSession admin, string group, object quota, string owner, string keyId) =>
    [
        ("usage", () => admin.SendAsync(HttpMethod.Get, "/api/admin/usage")),
        ("export", () => admin.SendAsync(HttpMethod.Get, "/api/admin/usage/export")),
        ("quotas", () => admin.SendAsync(HttpMethod.Get, "/api/admin/quotas")),
        ("set quota", () => admin.SendAsync(HttpMethod.Put, $"/api/admin/quotas/group/{group}", quota)),
        ("user's keys", () => admin.SendAsync(HttpMethod.Get, $"/api/admin/users/{owner}/keys")),
        ("revoke", () => admin.SendAsync(HttpMethod.Delete, $"/api/admin/users/{owner}/keys/{keyId}")),
        ("audit", () => admin.SendAsync(HttpMethod.Get, "/api/admin/audit")),
    ];
}
