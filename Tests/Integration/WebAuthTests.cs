using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tests.TestDoubles.Oidc;

namespace Tests.Integration;

/// <summary>The web's sign-in: Entra ID through OpenID Connect, never anonymous outside Development.</summary>
public sealed class WebAuthTests
{
    [Fact]
    public async Task Production_WithoutEntraSettings_RefusesToStart()
    {
        await using var web = new WebFactory("Production", new Dictionary<string, string?>());

        var error = Assert.ThrowsAny<Exception>(() => web.CreateClient());

        Assert.Contains("AzureAd:ClientId", error.ToString());
    }

    [Fact]
    public async Task Entra_AnonymousVisitor_IsSentToTheIssuerToSignIn_ProbesStayOpen()
    {
        await using var issuer = await OidcIssuerDouble.StartAsync();
        await using var web = new WebFactory("Development", new Dictionary<string, string?>
        {
            ["AzureAd:Instance"] = issuer.Issuer + "/",
            ["AzureAd:TenantId"] = "contoso",
            ["AzureAd:ClientId"] = "11111111-2222-3333-4444-555555555555",
            ["AzureAd:ClientSecret"] = "not-used-by-a-redirect",
            ["Api:Scope"] = "api://llm-chat-api/chat",
        });
        using var client = web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var page = await client.GetAsync("/", TestContext.Current.CancellationToken);
        using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var location = page.Headers.Location!.ToString();
        Assert.StartsWith($"{issuer.Issuer}/oauth2/v2.0/authorize", location);
        Assert.Contains("client_id=11111111-2222-3333-4444-555555555555", location);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Entra_WithoutApiScope_RefusesToStart()
    {
        await using var web = new WebFactory("Development", new Dictionary<string, string?> { ["AzureAd:ClientId"] = "11111111-2222-3333-4444-555555555555" });

        var error = Assert.ThrowsAny<Exception>(() => web.CreateClient());

        Assert.Contains("Api:Scope", error.ToString());
    }

    private sealed class WebFactory(string environment, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<global::Web.Services.ChatApiClient>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("ApiBaseAddress", "http://127.0.0.1:1");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
