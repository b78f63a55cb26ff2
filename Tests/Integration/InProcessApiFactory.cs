using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Tests.Integration;

/// <summary>
/// The API in the test process (ASP.NET Core's test server), on the shared app's Azurite and Ollama double, with
/// settings the shared app does not use: the Production environment, a JWT issuer, the Block injection policy.
/// </summary>
public sealed class InProcessApiFactory(AppFixture app, string environment, IReadOnlyDictionary<string, string?> settings)
    : WebApplicationFactory<Api.Chat.ChatTurnService>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("ConnectionStrings:tables", app.TablesConnectionStringAsync().GetAwaiter().GetResult());
        builder.UseSetting("ConnectionStrings:chat", $"Endpoint={app.Ollama.Endpoint};Model={AppFixture.Tag}");
        builder.UseSetting("Safety:Canary", AppFixture.Canary);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
