using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tests.Integration;

/// <summary>
/// Before: any valid session could create a key, so a stolen web session or access token became a credential that
/// outlived it. Now creating a key needs the user's ID token from an interactive sign-in minutes ago (its
/// <c>auth_time</c>), issued by the tenant to the web, for the same user; Entra (its double) issues it.
/// </summary>
[Collection(WebReplicasAppCollection.Name)]
public sealed class RecentSignInTests(WebReplicasAppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreatingAKey_NeedsTheUsersIdToken_FromASignInMinutesAgo()
    {
        var user = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow;
        var web = WebReplicasAppFixture.WebClientId;

        var cases = new (string Case, string? Proof, HttpStatusCode Status)[]
        {
            ("no proof", null, HttpStatusCode.Forbidden),
            ("a sign-in 20 minutes ago", app.Entra.IdToken(web, user, "Ada", now.AddMinutes(-20)), HttpStatusCode.Forbidden),
            ("another user's sign-in", app.Entra.IdToken(web, Guid.NewGuid().ToString(), "Eve", now), HttpStatusCode.Forbidden),
            ("a sign-in to another app", app.Entra.IdToken("some-other-app", user, "Ada", now), HttpStatusCode.Forbidden),
            ("the access token itself", AccessToken(user), HttpStatusCode.Forbidden),
            ("a sign-in a minute ago", app.Entra.IdToken(web, user, "Ada", now.AddMinutes(-1)), HttpStatusCode.Created),
        };

        foreach (var (name, proof, status) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken(user));
            if (proof is not null)
            {
                request.Headers.Add(Api.Keys.RecentSignInHeader.Name, proof);
            }

            using var response = await app.Api.SendAsync(request, Cancellation);
            var body = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.True(response.StatusCode == status, $"{name}: {(int)response.StatusCode} {body}");
            if (status == HttpStatusCode.Forbidden)
            {
                Assert.Equal("recent_sign_in_required", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
            }
        }
    }

    private string AccessToken(string user) =>
        app.Entra.AccessToken(WebReplicasAppFixture.ApiClientId, WebReplicasAppFixture.WebClientId, user, "Ada");
}
