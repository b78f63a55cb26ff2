using System.Net;
using CommunityToolkit.Aspire.OllamaSharp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using OllamaSharp;
using Polly;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers an <see cref="IOllamaApiClient"/> from an Aspire connection string. Same public shape as
/// CommunityToolkit.Aspire.OllamaSharp (not served on this project's registry): deleting this folder and
/// referencing that package keeps callers compiling.
/// </summary>
public static class AspireOllamaSharpExtensions
{
    /// <summary>The configuration section the settings are bound from.</summary>
    public const string DefaultConfigSectionName = "Aspire:OllamaSharp";

    /// <summary>
    /// Registers <see cref="IOllamaApiClient"/> for the connection string <paramref name="connectionName"/>
    /// (<c>Endpoint=http://host:11434;Model=name</c>), on the named HTTP client
    /// <c>{connectionName}_httpClient</c> with a policy for long LLM streams, and a health check.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The connection string name, as referenced by the app host.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <returns>A builder to add <c>IChatClient</c> registrations to.</returns>
    public static AspireOllamaApiClientBuilder AddOllamaApiClient(this IHostApplicationBuilder builder, string connectionName, Action<OllamaSharpSettings>? configureSettings = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = ReadSettings(builder, connectionName, configureSettings);
        Register(builder, connectionName, connectionName, settings, keyed: false);
        return new AspireOllamaApiClientBuilder(builder, connectionName, settings.DisableTracing);
    }

    /// <summary>
    /// Registers a keyed <see cref="IOllamaApiClient"/>, keyed by <paramref name="connectionName"/>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The connection string name; also the service key.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <returns>A builder to add <c>IChatClient</c> registrations to.</returns>
    public static AspireOllamaApiClientBuilder AddKeyedOllamaApiClient(this IHostApplicationBuilder builder, string connectionName, Action<OllamaSharpSettings>? configureSettings = null) =>
        builder.AddKeyedOllamaApiClient(connectionName, connectionName, configureSettings);

    /// <summary>Registers a keyed <see cref="IOllamaApiClient"/> under <paramref name="serviceKey"/>.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="serviceKey">The service key.</param>
    /// <param name="connectionName">The connection string name.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <returns>A builder to add <c>IChatClient</c> registrations to.</returns>
    public static AspireOllamaApiClientBuilder AddKeyedOllamaApiClient(this IHostApplicationBuilder builder, object serviceKey, string connectionName, Action<OllamaSharpSettings>? configureSettings = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = ReadSettings(builder, connectionName, configureSettings);
        Register(builder, serviceKey, connectionName, settings, keyed: true);
        return new AspireOllamaApiClientBuilder(builder, serviceKey, settings.DisableTracing);
    }

    private static OllamaSharpSettings ReadSettings(IHostApplicationBuilder builder, string connectionName, Action<OllamaSharpSettings>? configureSettings)
    {
        var settings = new OllamaSharpSettings();
        builder.Configuration.GetSection(DefaultConfigSectionName).Bind(settings);
        builder.Configuration.GetSection($"{DefaultConfigSectionName}:{connectionName}").Bind(settings);
        settings.ParseConnectionString(builder.Configuration.GetConnectionString(connectionName));
        configureSettings?.Invoke(settings);

        if (settings.Endpoint is null)
        {
            throw new InvalidOperationException(
                $"An OllamaApiClient could not be configured: no endpoint. Provide the connection string 'ConnectionStrings:{connectionName}' " +
                $"(Endpoint=http://host:11434;Model=name) or '{DefaultConfigSectionName}:Endpoint'.");
        }

        return settings;
    }

    private static void Register(IHostApplicationBuilder builder, object serviceKey, string connectionName, OllamaSharpSettings settings, bool keyed)
    {
        var httpClientName = $"{connectionName}_httpClient";
        var resilience = settings.Resilience;

        var http = builder.Services.AddHttpClient(httpClientName, client =>
            {
                client.BaseAddress = settings.Endpoint;
                // Streams last minutes; the resilience handler and the caller's token bound them instead.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = resilience.PooledConnectionLifetime,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                // Disposing an unfinished stream must close the connection at once, which is what tells Ollama to
                // stop generating. By default the handler drains up to 1 MB for 2 s to reuse the connection.
                MaxResponseDrainSize = 0,
                ResponseDrainTimeout = TimeSpan.Zero,
            });

        // The service defaults add a 10 s / 30 s policy to every client: wrong for a cold model.
        // RemoveAllResilienceHandlers is marked experimental (EXTEXP0001); it is the documented way to opt out.
#pragma warning disable EXTEXP0001
        http.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        // Outside the resilience handler, so it sees the caller's token rather than a per-attempt one.
        http.AddHttpMessageHandler(() => new CancellationBoundResponseHandler());

        http.AddResilienceHandler("ollama", pipeline =>
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(0, resilience.MaxRetryAttempts),
                    Delay = resilience.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    // Only what is safe before the first token: the connection failed, or Ollama's queue was full.
                    ShouldHandle = args => ValueTask.FromResult(
                        args.Outcome.Exception is HttpRequestException
                        || args.Outcome.Result?.StatusCode == HttpStatusCode.ServiceUnavailable),
                });
                pipeline.AddTimeout(resilience.FirstResponseTimeout);
            });

        OllamaApiClient Create(IServiceProvider services)
        {
            var httpClient = services.GetRequiredService<IHttpClientFactory>().CreateClient(httpClientName);
            return new OllamaApiClient(httpClient, settings.SelectedModel ?? string.Empty);
        }

        if (keyed)
        {
            builder.Services.AddKeyedSingleton<IOllamaApiClient>(serviceKey, (services, _) => Create(services));
        }
        else
        {
            builder.Services.AddKeyedSingleton<IOllamaApiClient>(serviceKey, (services, _) => Create(services));
            builder.Services.AddSingleton(services => services.GetRequiredKeyedService<IOllamaApiClient>(serviceKey));
        }

        if (!settings.DisableHealthChecks)
        {
            var timeout = TimeSpan.FromMilliseconds(settings.HealthCheckTimeout ?? 5_000);
            builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                keyed ? $"Ollama_{serviceKey}" : "Ollama",
                services => new OllamaHealthCheck(services.GetRequiredKeyedService<IOllamaApiClient>(serviceKey), timeout),
                settings.HealthCheckFailureStatus,
                tags: null,
                timeout: timeout + TimeSpan.FromSeconds(1)));
        }
    }
}
