using Microsoft.Extensions.Configuration;

namespace AppHost;

internal static class OllamaTuning
{
    /// <summary>
    /// Ollama's server settings from <c>Ollama:Server</c>. The defaults here differ from Ollama's on purpose:
    /// <c>OLLAMA_KEEP_ALIVE=-1</c> keeps the model loaded (a reload costs 20-36 s), and <c>OLLAMA_NUM_PARALLEL</c>
    /// matches the API's admission limit, so requests queue in the API, where they are visible and bounded.
    /// </summary>
    public static IResourceBuilder<T> WithOllamaTuning<T>(this IResourceBuilder<T> builder, IConfigurationSection settings)
        where T : IResourceWithEnvironment
    {
        var server = settings.GetSection("Server");
        return builder
            .WithEnvironment("OLLAMA_KEEP_ALIVE", server["KeepAlive"] ?? "-1")
            .WithEnvironment("OLLAMA_NUM_PARALLEL", server["NumParallel"] ?? "4")
            .WithEnvironment("OLLAMA_MAX_QUEUE", server["MaxQueue"] ?? "64")
            .WithEnvironment("OLLAMA_CONTEXT_LENGTH", server["ContextLength"] ?? "8192");
    }
}
