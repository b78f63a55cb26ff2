using System.Diagnostics;
using CommunityToolkit.Aspire.OllamaSharp;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Tests.TestDoubles.Ollama;

namespace Tests.Unit.ServiceDefaults;

/// <summary>
/// The OllamaSharp client integration over real HTTP against the Ollama test double: the real OllamaSharp
/// client, the named HTTP client and its resilience handler.
/// </summary>
public sealed class OllamaClientIntegrationTests : IAsyncLifetime
{
    private const string Model = "qwen2.5:0.5b-instruct-q4_K_M";
    private OllamaDouble _ollama = null!;

    public async ValueTask InitializeAsync() => _ollama = await OllamaDouble.StartAsync(Model);

    public async ValueTask DisposeAsync() => await _ollama.DisposeAsync();

    [Fact]
    public async Task AddChatClient_ConnectionString_StreamsTokensFromOllama()
    {
        using var host = BuildHost();
        var chat = host.Services.GetRequiredService<IChatClient>();
        _ollama.Enqueue(OllamaDoubleScript.Reply("one", " two", " three"));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "count")], cancellationToken: TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }

        Assert.Equal("one two three", string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Stop);
        var request = Assert.Single(_ollama.ChatRequests());
        Assert.Equal(Model, request.Model);
        Assert.Equal(("user", "count"), request.Messages.Single());
    }

    [Fact]
    public async Task AddChatClient_Default_IsWrappedInOpenTelemetry()
    {
        using var host = BuildHost();

        var chat = host.Services.GetRequiredService<IChatClient>();

        Assert.NotNull(chat.GetService<OpenTelemetryChatClient>());
        Assert.NotNull(chat.GetService<OllamaSharp.OllamaApiClient>());
    }

    [Fact]
    public async Task Stream_503ThenSuccess_RetriedBeforeTheFirstToken()
    {
        using var host = BuildHost();
        var chat = host.Services.GetRequiredService<IChatClient>();
        _ollama.Enqueue(new OllamaDoubleScript { Fault = OllamaFault.ServerBusy503, FaultCount = 1, Tokens = ["ok"] });

        var text = await CollectAsync(chat);

        Assert.Equal("ok", text);
        Assert.Equal([503, 200], _ollama.ChatRequests().Select(r => r.StatusCode));
    }

    [Fact]
    public async Task Stream_500_NotRetried()
    {
        using var host = BuildHost();
        var chat = host.Services.GetRequiredService<IChatClient>();
        _ollama.Enqueue(new OllamaDoubleScript { Fault = OllamaFault.InternalError500, FaultCount = 1 });

        await Assert.ThrowsAnyAsync<Exception>(() => CollectAsync(chat));

        Assert.Single(_ollama.ChatRequests());
    }

    [Fact]
    public async Task Stream_CutAfterTokensReachedTheClient_NotRetried()
    {
        using var host = BuildHost();
        var chat = host.Services.GetRequiredService<IChatClient>();
        // The interval makes sure the tokens reached the client before the cut: a cut before the headers arrive
        // is a connection failure, which is retried, and rightly so, since nothing was streamed yet.
        _ollama.Enqueue(new OllamaDoubleScript { Tokens = ["a", "b", "c", "d"], Fault = OllamaFault.CutStream, FaultAfterTokens = 2, TokenInterval = TimeSpan.FromMilliseconds(100) });

        var received = new System.Text.StringBuilder();
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: TestContext.Current.CancellationToken))
            {
                received.Append(update.Text);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // OllamaSharp may surface the cut as an exception or as an early end; the API treats both as broken.
        }

        // The line in flight when the connection is reset may be lost; what was read stays, and is never repeated.
        Assert.StartsWith("a", received.ToString());
        Assert.NotEqual("abcd", received.ToString());
        Assert.Single(_ollama.ChatRequests());
    }

    [Fact]
    public async Task Stream_ServerDown_RetriesTwiceThenFailsFast()
    {
        using var host = BuildHost();
        var chat = host.Services.GetRequiredService<IChatClient>();
        await _ollama.StopAsync();
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<HttpRequestException>(() => CollectAsync(chat));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"Connection refused should fail in seconds, took {stopwatch.Elapsed}.");
    }

    [Fact]
    public async Task Stream_FirstTokenSlowerThanTheServiceDefaultsTimeout_Succeeds()
    {
        // The service defaults' standard handler is squeezed to 1 s here: the LLM client must not inherit it.
        using var host = BuildHost(services => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(1);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(1);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(2);
        })));
        var chat = host.Services.GetRequiredService<IChatClient>();
        _ollama.Enqueue(new OllamaDoubleScript { FirstTokenDelay = TimeSpan.FromSeconds(2.5), Tokens = ["cold", " start"] });

        Assert.Equal("cold start", await CollectAsync(chat));
    }

    [Fact]
    public async Task Stream_FirstTokenBeyondFirstResponseTimeout_TimesOut()
    {
        using var host = BuildHost(configureSettings: settings => settings.Resilience.FirstResponseTimeout = TimeSpan.FromMilliseconds(500));
        var chat = host.Services.GetRequiredService<IChatClient>();
        _ollama.Enqueue(new OllamaDoubleScript { FirstTokenDelay = TimeSpan.FromSeconds(5), Tokens = ["late"] });

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => CollectAsync(chat));
        Assert.Single(_ollama.ChatRequests());
    }

    [Fact]
    public async Task Stream_ServerStallsAfterHeaders_CancellationEndsTheReadAtOnce()
    {
        using var host = BuildHost();
        var chat = host.Services.GetRequiredService<IChatClient>();
        _ollama.Enqueue(new OllamaDoubleScript { Tokens = ["a", "b"], Fault = OllamaFault.Stall, FaultAfterTokens = 1 });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stopwatch = Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(async () =>
        {
            using var bound = OllamaStreamCancellation.Bind(cts.Token);
            await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: cts.Token))
            {
                cts.CancelAfter(TimeSpan.FromMilliseconds(500));
            }
        }).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"The stalled read ended after {stopwatch.Elapsed}.");
        var upstream = Assert.Single(_ollama.ChatRequests());
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.NotNull(upstream.AbortedAt);
    }

    [Fact]
    public async Task HealthCheck_ServerDown_ReportsTheConfiguredFailureStatus()
    {
        using var host = BuildHost(configureSettings: settings => settings.HealthCheckFailureStatus = HealthStatus.Degraded);
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var up = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
        await _ollama.StopAsync();
        var down = await health.CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, up.Entries["Ollama"].Status);
        Assert.Equal(HealthStatus.Degraded, down.Entries["Ollama"].Status);
    }

    [Fact]
    public void AddOllamaApiClient_NoConnectionString_ThrowsWithTheNameToSet()
    {
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddOllamaApiClient("missing"));

        Assert.Contains("ConnectionStrings:missing", error.Message);
    }

    [Theory]
    [InlineData("Endpoint=http://gpu:11434;Model=llama3.1:8b", "http://gpu:11434/", "llama3.1:8b")]
    [InlineData("http://gpu:11434", "http://gpu:11434/", null)]
    [InlineData("Endpoint=https://ollama.internal/", "https://ollama.internal/", null)]
    public void ParseConnectionString_KnownForms_ReadEndpointAndModel(string connectionString, string endpoint, string? model)
    {
        var settings = new OllamaSharpSettings();

        settings.ParseConnectionString(connectionString);

        Assert.Equal(new Uri(endpoint), settings.Endpoint);
        Assert.Equal(model, settings.SelectedModel);
    }

    private IHost BuildHost(Action<IServiceCollection>? configureServices = null, Action<OllamaSharpSettings>? configureSettings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:chat"] = $"Endpoint={_ollama.Endpoint};Model={Model}";
        configureServices?.Invoke(builder.Services);
        builder.AddOllamaApiClient("chat", settings =>
        {
            settings.Resilience.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
            configureSettings?.Invoke(settings);
        }).AddChatClient();
        return builder.Build();
    }

    private static async Task<string> CollectAsync(IChatClient chat)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Append(update.Text);
        }

        return text.ToString();
    }
}
