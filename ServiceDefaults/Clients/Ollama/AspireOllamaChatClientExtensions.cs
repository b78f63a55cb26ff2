using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OllamaSharp;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds Microsoft.Extensions.AI <see cref="IChatClient"/> registrations over an Ollama client.</summary>
public static class AspireOllamaChatClientExtensions
{
    /// <summary>Registers <see cref="IChatClient"/> over the Ollama client, wrapped in OpenTelemetry.</summary>
    /// <param name="builder">The builder returned by <c>AddOllamaApiClient</c>.</param>
    /// <returns>The chat client pipeline builder, to add middleware.</returns>
    public static ChatClientBuilder AddChatClient(this AspireOllamaApiClientBuilder builder) => builder.AddChatClient(configureOpenTelemetry: null);

    /// <summary>Registers <see cref="IChatClient"/> over the Ollama client, wrapped in OpenTelemetry.</summary>
    /// <param name="builder">The builder returned by <c>AddOllamaApiClient</c>.</param>
    /// <param name="configureOpenTelemetry">Changes the OpenTelemetry wrapper (for example, to record message content).</param>
    /// <returns>The chat client pipeline builder, to add middleware.</returns>
    public static ChatClientBuilder AddChatClient(this AspireOllamaApiClientBuilder builder, Action<OpenTelemetryChatClient>? configureOpenTelemetry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.HostBuilder.Services.AddChatClient(services => CreateInnerChatClient(services, builder, configureOpenTelemetry));
    }

    /// <summary>Registers a keyed <see cref="IChatClient"/>, keyed like the Ollama client.</summary>
    /// <param name="builder">The builder returned by <c>AddKeyedOllamaApiClient</c>.</param>
    /// <returns>The chat client pipeline builder, to add middleware.</returns>
    public static ChatClientBuilder AddKeyedChatClient(this AspireOllamaApiClientBuilder builder) => builder.AddKeyedChatClient(builder.ServiceKey, configureOpenTelemetry: null);

    /// <summary>Registers a keyed <see cref="IChatClient"/> under <paramref name="serviceKey"/>.</summary>
    /// <param name="builder">The builder returned by <c>AddKeyedOllamaApiClient</c>.</param>
    /// <param name="serviceKey">The key of the chat client.</param>
    /// <param name="configureOpenTelemetry">Changes the OpenTelemetry wrapper.</param>
    /// <returns>The chat client pipeline builder, to add middleware.</returns>
    public static ChatClientBuilder AddKeyedChatClient(this AspireOllamaApiClientBuilder builder, object serviceKey, Action<OpenTelemetryChatClient>? configureOpenTelemetry = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        return builder.HostBuilder.Services.AddKeyedChatClient(serviceKey, services => CreateInnerChatClient(services, builder, configureOpenTelemetry));
    }

    private static IChatClient CreateInnerChatClient(IServiceProvider services, AspireOllamaApiClientBuilder builder, Action<OpenTelemetryChatClient>? configureOpenTelemetry)
    {
        var ollama = services.GetRequiredKeyedService<IOllamaApiClient>(builder.ServiceKey);
        var client = (IChatClient)ollama;
        if (builder.DisableTracing)
        {
            return client;
        }

        var loggerFactory = services.GetService<ILoggerFactory>();
        var telemetry = new OpenTelemetryChatClient(client, loggerFactory?.CreateLogger(typeof(OpenTelemetryChatClient)));
        configureOpenTelemetry?.Invoke(telemetry);
        return telemetry;
    }
}
