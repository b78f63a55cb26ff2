using System.Net.Http.Json;
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
public class AppFixture : IAsyncLifetime
{
    /// <summary>The default chat model's id, as callers name it.</summary>
    public static string Model => Catalogue.Default;

    /// <summary>The Ollama tag the default chat model runs under in the tests (the double serves every model).</summary>
    public const string Tag = "qwen2.5:0.5b-instruct-q4_K_M";

    /// <summary>The fast model's tag in the tests: its own, so the double tells its requests apart.</summary>
    public const string FastTag = "qwen2.5:0.5b-fast";

    /// <summary>The app role the fast model is limited to in the tests (models.json lets everyone use it).</summary>
    public const string FastRole = "Models.Fast";

    /// <summary>A chat model only the tests declare, for a role nobody in them holds but who asks for it.</summary>
    public const string SecretModel = "chat-secret";

    public const string SecretRole = "Models.Secret";

    /// <summary>The group the embedding model is limited to in the tests.</summary>
    public const string EmbeddingGroup = "4d2f7a1e-93b5-4c61-8f0e-2b7d9c3a5e10";

    /// <summary>The input tokens a user may embed a day here: a test reaches it with a few requests.</summary>
    public const int EmbeddingTokensPerDay = 2000;

    /// <summary>The embedding model's connection (its id in AppHost/models.json).</summary>
    public const string EmbeddingConnection = "embed";

    /// <summary>A known canary, so leak tests can make the double echo it.</summary>
    public const string Canary = "cnry-test-4f1d9a7be2c3";

    /// <summary>
    /// The API settings the tests run with: short timeouts, a breaker that trips and recovers within seconds, small
    /// limits that a test can reach with a fresh user. Everything else is the API's own appsettings.json.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ApiSettings = new Dictionary<string, string>
    {
        ["Llm__Resilience__FirstTokenTimeout"] = "00:00:20",
        ["Llm__Resilience__IdleTimeout"] = "00:00:02",
        ["Llm__Resilience__BreakerFailureThreshold"] = "3",
        ["Llm__Resilience__BreakerBreakDuration"] = "00:00:03",
        ["Llm__Resilience__ProbeInterval"] = "00:00:01",
        ["Llm__Admission__SlotsPerServer"] = "3",
        ["Llm__Admission__MaxQueue"] = "1",
        ["Llm__Admission__QueueTimeout"] = "00:00:02",
        ["Llm__TitleTimeout"] = "00:00:03",
        ["Llm__ContextTokenBudget"] = "3000",
        ["Limits__RequestsPerMinute"] = "12",
        ["Limits__ConcurrentStreams"] = "2",
        ["Limits__OutputTokensPerDay"] = "3000",
        ["Limits__EmbeddingTokensPerDay"] = EmbeddingTokensPerDay.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // An embedding call's allowance: short, so a batch that outlasts it is quick to show.
        [$"Aspire__OllamaSharp__{EmbeddingConnection}__Resilience__FirstResponseTimeout"] = "00:00:04",
        ["Chat__Stream__StartDelay"] = "00:00:01",
        ["Replies__AbandonAfter"] = "00:00:02",
        ["Chat__Stream__HeartbeatInterval"] = "00:00:01",
        ["Conversations__MaxMessagesPerConversation"] = "8",
        ["Conversations__MaxMessageChars"] = "4000",
        ["Safety__Canary"] = Canary,
        // The web's user (the configured dev user) may use the fast model (the picker offers it), and is an admin (the
        // admin pages). A user named by X-Dev-User holds only the roles its own headers give it.
        ["Auth__DevUser__Roles__0"] = FastRole,
        ["Auth__DevUser__Roles__1"] = "Admin",
    }.Concat(Catalogue.All.Select(name => KeyValuePair.Create($"Aspire__OllamaSharp__{name}__Resilience__RetryBaseDelay", "00:00:00.100"))).ToDictionary();

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
                $"--Models:{Catalogue.Default}:DevelopmentTag={Tag}",
                $"--Models:{Catalogue.Fast}:DevelopmentTag={FastTag}",
                "--Storage:DataDirectory=",
                // Access by role and by group, to prove both (models.json lets everyone use every model).
                $"--Models:{Catalogue.Fast}:AllowedRoles:0={FastRole}",
                $"--Models:{Catalogue.Embedding}:AllowedGroups:0={EmbeddingGroup}",
                $"--Models:{SecretModel}:Kind=Chat",
                $"--Models:{SecretModel}:Tag={Tag}",
                $"--Models:{SecretModel}:AllowedRoles:0={SecretRole}",
                .. await ArgumentsAsync(),
            ]).WaitAsync(TestTimeouts.AppStart);

        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        var api = builder.CreateResourceBuilder<ProjectResource>(ResourceNames.Api);
        foreach (var (name, value) in ApiSettings)
        {
            api.WithEnvironment(name, value);
        }

        await ConfigureAsync(builder, api);
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigureHttpClient(client => client.Timeout = TestTimeouts.Request));

        App = await builder.BuildAsync().WaitAsync(TestTimeouts.AppStart);
        await App.StartAsync().WaitAsync(TestTimeouts.AppStart);

        foreach (var name in Catalogue.All.Concat([ResourceNames.Tables, ResourceNames.Api, ResourceNames.Web]))
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(name).WaitAsync(TestTimeouts.ResourceHealthy);
        }

        // No response draining: hanging up must close the connection at once, as a browser tab closing does.
        Api = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = App.GetEndpoint(ResourceNames.Api, "http"),
            Timeout = TestTimeouts.Request,
        };
        Web = App.CreateHttpClient(ResourceNames.Web);
    }

    /// <summary>
    /// Puts the LLM back to normal between tests: the double running with no scripts left, and every breaker
    /// closed again (the API reports the LLM available).
    /// </summary>
    public async Task ResetLlmAsync()
    {
        Ollama.ClearScripts();
        Ollama.EmbedTimePerInput = TimeSpan.Zero;
        Ollama.EmbedGate?.TrySetResult();
        Ollama.EmbedGate = null;
        Ollama.NonStreamingReply = "Test conversation title";
        Ollama.RunningSizeVram = Ollama.RunningSize;
        await Ollama.RestartAsync();
        var deadline = DateTime.UtcNow + TestTimeouts.ResourceHealthy;
        while (true)
        {
            var status = await Api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/status", TestContext.Current.CancellationToken);
            if (status.GetProperty("llm").GetString() == "available")
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The LLM did not become available again: {status}");
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>AppHost arguments a derived fixture adds (they override models.json), made before the app is built.</summary>
    protected virtual Task<IEnumerable<string>> ArgumentsAsync() => Task.FromResult(Enumerable.Empty<string>());

    /// <summary>A place for a derived fixture to add to the app before it starts.</summary>
    protected virtual Task ConfigureAsync(IDistributedApplicationTestingBuilder builder, IResourceBuilder<ProjectResource> api) => Task.CompletedTask;

    /// <summary>An API client that acts as <paramref name="user"/> (a development user, through <c>X-Dev-User</c>).</summary>
    public ApiSession As(string user) => new(Api, user);

    /// <summary>A user no other test uses, so per-user limits and data start empty.</summary>
    public ApiSession NewUser(string prefix = "user") => As($"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)]);

    public async Task<string> TablesConnectionStringAsync() =>
        await App.GetConnectionStringAsync(ResourceNames.Tables).AsTask().WaitAsync(TestTimeouts.Short)
        ?? throw new InvalidOperationException("The tables resource has no connection string.");

    public virtual async ValueTask DisposeAsync()
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
