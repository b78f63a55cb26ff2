using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AppHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tests.Infrastructure;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>
/// The real AppHost, started once per test collection: the API and web projects, Azurite from npm, and the
/// Ollama test double in place of the container (the AppHost's External mode points at it). Starting costs
/// tens of seconds on two cores, so tests share it and keep their data apart by conversation.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string Model = "qwen2.5:0.5b-instruct-q4_K_M";

    public OllamaDouble Ollama { get; private set; } = null!;

    public DistributedApplication App { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    public HttpClient Web { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // The model is absent at first: the AppHost pulls it through the double's /api/pull stream.
        Ollama = await OllamaDouble.StartAsync();

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                "--Ollama:Mode=External",
                $"--Ollama:Endpoint={Ollama.Endpoint}",
                $"--Ollama:Model={Model}",
                "--Storage:DataDirectory=",
            ]).WaitAsync(TestTimeouts.AppStart);

        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigureHttpClient(client => client.Timeout = TestTimeouts.Request));

        App = await builder.BuildAsync().WaitAsync(TestTimeouts.AppStart);
        await App.StartAsync().WaitAsync(TestTimeouts.AppStart);

        foreach (var name in new[] { ResourceNames.ChatModel, ResourceNames.Tables, ResourceNames.Api, ResourceNames.Web })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(name).WaitAsync(TestTimeouts.ResourceHealthy);
        }

        Api = App.CreateHttpClient(ResourceNames.Api);
        Web = App.CreateHttpClient(ResourceNames.Web);
    }

    public async Task<string> TablesConnectionStringAsync() =>
        await App.GetConnectionStringAsync(ResourceNames.Tables).AsTask().WaitAsync(TestTimeouts.Short)
        ?? throw new InvalidOperationException("The tables resource has no connection string.");

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        Web?.Dispose();
        if (App is not null)
        {
            await App.StopAsync().WaitAsync(TestTimeouts.Request);
            await App.DisposeAsync();
        }

        if (Ollama is not null)
        {
            await Ollama.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "App";
}
