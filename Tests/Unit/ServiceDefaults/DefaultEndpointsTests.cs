using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Tests.Unit.ServiceDefaults;

/// <summary>The health endpoints exist in Production too: AKS probes call them there.</summary>
public sealed class DefaultEndpointsTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task MapDefaultEndpoints_AnyEnvironment_ServesHealthAndAlive(string environment)
    {
        await using var app = await StartAsync(environment, _ => { });
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Alive_FailingDependency_StaysUpWhileHealthReportsIt()
    {
        await using var app = await StartAsync("Production", services =>
            services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("down")));
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);
        var body = await health.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.DoesNotContain("exception", body.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<WebApplication> StartAsync(string environment, Action<IServiceCollection> configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        configure(builder.Services);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}
