namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Returned by <c>AddOllamaApiClient</c>; chains <c>AddChatClient</c> onto the registered client.
/// </summary>
/// <param name="hostBuilder">The application builder.</param>
/// <param name="serviceKey">The key under which the <see cref="OllamaSharp.IOllamaApiClient"/> is registered.</param>
/// <param name="disableTracing">Whether chat clients are left without the OpenTelemetry wrapper.</param>
public class AspireOllamaApiClientBuilder(IHostApplicationBuilder hostBuilder, object serviceKey, bool disableTracing)
{
    /// <summary>The application builder.</summary>
    public IHostApplicationBuilder HostBuilder { get; } = hostBuilder;

    /// <summary>The key of the registered <see cref="OllamaSharp.IOllamaApiClient"/>.</summary>
    public object ServiceKey { get; } = serviceKey;

    /// <summary>Whether chat clients are left without the OpenTelemetry wrapper.</summary>
    public bool DisableTracing { get; } = disableTracing;
}
