using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// Ollama's server settings (<c>Ollama:Server</c>), read once and given both to Ollama (<c>OLLAMA_*</c>) and to the
/// API, so the two agree. The defaults differ from Ollama's on purpose: <c>OLLAMA_KEEP_ALIVE=-1</c> keeps the model
/// loaded (a reload costs 20-36 s). <c>OLLAMA_NUM_PARALLEL</c> is how many requests one Ollama replica runs at once;
/// the API admits that many per backend and per API replica (<c>Llm:Admission:MaxInFlight</c>), so with several API
/// replicas the excess waits in Ollama's own queue (<c>OLLAMA_MAX_QUEUE</c>) until KEDA adds Ollama replicas.
/// </summary>
internal sealed record OllamaTuning(string KeepAlive, int NumParallel, int MaxQueue, int ContextLength)
{
    public static OllamaTuning From(IConfiguration configuration)
    {
        var server = configuration.GetSection("Ollama:Server");
        return new OllamaTuning(
            server["KeepAlive"] ?? "-1",
            server.GetValue("NumParallel", 4),
            server.GetValue("MaxQueue", 64),
            server.GetValue("ContextLength", 8192));
    }
}

internal static class OllamaTuningExtensions
{
    public static IResourceBuilder<T> WithOllamaTuning<T>(this IResourceBuilder<T> builder, OllamaTuning tuning)
        where T : IResourceWithEnvironment => builder
            .WithEnvironment("OLLAMA_KEEP_ALIVE", tuning.KeepAlive)
            .WithEnvironment("OLLAMA_NUM_PARALLEL", tuning.NumParallel.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("OLLAMA_MAX_QUEUE", tuning.MaxQueue.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("OLLAMA_CONTEXT_LENGTH", tuning.ContextLength.ToString(CultureInfo.InvariantCulture));
}
