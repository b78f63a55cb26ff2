using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// The Ollama run mode serves every model of the catalogue from (<see cref="ModelHosting"/>): whichever this machine can
/// run, or none, with the reason. Deployed, each model has a server of its own instead, and this holds only the tuning.
/// Not to be confused with the API's runtime backends (<c>Api/Llm/LlmBackend</c>), which call these servers.
/// Settings (<c>AppHost/appsettings.json</c>, user secrets, or <c>--Ollama:Mode=...</c> on the command line):
/// <list type="bullet">
/// <item><c>Ollama:Mode</c>: Auto, Container, Local, External or None (see <see cref="LlmHostingMode"/>);</item>
/// <item><c>Ollama:Endpoint</c>: the URL for External;</item>
/// <item><c>Ollama:Gpu</c>: None, Nvidia or AMD, for the container.</item>
/// </list>
/// </summary>
internal sealed record LlmHosting(IResourceBuilder<IOllamaResource>? Server, string Description)
{
    /// <summary>Ollama's server settings, shared with the API's admission limit.</summary>
    public required OllamaTuning Tuning { get; init; }

    public static LlmHosting Add(IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Ollama");
        var tuning = OllamaTuning.From(builder.Configuration);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new LlmHosting(null, "Publish mode: each model has an Ollama server of its own.") { Tuning = tuning };
        }

        var requested = settings.GetValue("Mode", LlmHostingMode.Auto);
        var endpoint = settings["Endpoint"];
        var gpu = settings.GetValue("Gpu", OllamaGpuVendorSetting.None);
        var (mode, why) = Resolve(builder, requested, endpoint);
        IResourceBuilder<IOllamaResource>? ollama = mode switch
        {
            LlmHostingMode.Container => AddContainer(builder, gpu, tuning),
            LlmHostingMode.Local => builder.AddOllamaLocal(ResourceNames.Ollama).WithOllamaTuning(tuning),
            LlmHostingMode.External => builder.AddOllamaExternal(ResourceNames.Ollama, builder.AddParameter("ollama-endpoint", endpoint!)),
            _ => null,
        };

        if (ollama is null)
        {
            builder.AddResource(new LlmUnavailableResource(ResourceNames.Ollama))
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = "Ollama (not available)",
                    State = new ResourceStateSnapshot("Not available", KnownResourceStateStyles.Warn),
                    Properties = [new("Reason", why)],
                })
                .ExcludeFromManifest();
        }

        return new LlmHosting(ollama, why) { Tuning = tuning };
    }

    private static (LlmHostingMode Mode, string Why) Resolve(IDistributedApplicationBuilder builder, LlmHostingMode requested, string? endpoint)
    {
        if (requested == LlmHostingMode.External && string.IsNullOrWhiteSpace(endpoint))
        {
            throw new InvalidOperationException("Ollama:Mode is External but Ollama:Endpoint is not set.");
        }

        if (requested != LlmHostingMode.Auto)
        {
            return (requested, requested == LlmHostingMode.None
                ? "Ollama:Mode is None: the API runs without an LLM."
                : $"Ollama:Mode is {requested}.");
        }

        if (ContainerRuntimeProbe.IsAvailable(builder))
        {
            return (LlmHostingMode.Container, "A container runtime answered: the Ollama container.");
        }

        if (ExecutableSearch.FindOnPath("ollama") is not null)
        {
            return (LlmHostingMode.Local, "No container runtime; 'ollama' is on PATH: ollama serve.");
        }

        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            return (LlmHostingMode.External, "No container runtime and no 'ollama' on PATH: the server at Ollama:Endpoint.");
        }

        return (LlmHostingMode.None,
            "No LLM: no container runtime answered, 'ollama' is not on PATH and Ollama:Endpoint is not set. " +
            "Start Docker or Podman, install Ollama, or set Ollama:Endpoint.");
    }

    private static IResourceBuilder<IOllamaResource> AddContainer(IDistributedApplicationBuilder builder, OllamaGpuVendorSetting gpu, OllamaTuning tuning)
    {
        var ollama = builder.AddOllama(ResourceNames.Ollama)
            .WithDataVolume()
            .WithOllamaTuning(tuning);
        return gpu switch
        {
            OllamaGpuVendorSetting.Nvidia => ollama.WithGPUSupport(OllamaGpuVendor.Nvidia),
            OllamaGpuVendorSetting.AMD => ollama.WithGPUSupport(OllamaGpuVendor.AMD),
            _ => ollama,
        };
    }
}

/// <summary><c>Ollama:Gpu</c>: None (CPU), Nvidia or AMD.</summary>
internal enum OllamaGpuVendorSetting
{
    None,
    Nvidia,
    AMD,
}

/// <summary>Shown in the dashboard when no Ollama could be wired; the reason is in its properties.</summary>
internal sealed class LlmUnavailableResource(string name) : Resource(name);
