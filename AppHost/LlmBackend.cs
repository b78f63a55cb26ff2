using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// The LLM the app gets: a model resource on whichever Ollama this machine can run, or none with the reason.
/// Settings (<c>AppHost/appsettings.json</c>, user secrets, or <c>--Ollama:Mode=...</c> on the command line):
/// <list type="bullet">
/// <item><c>Ollama:Mode</c>: Auto, Container, Local, External or None (see <see cref="LlmBackendMode"/>);</item>
/// <item><c>Ollama:Endpoint</c>: the URL for External;</item>
/// <item><c>Ollama:Model</c>: the development model, small and pinned by tag;</item>
/// <item><c>Ollama:ProductionModel</c>: the model deployments serve;</item>
/// <item><c>Ollama:Gpu</c>: None, Nvidia or AMD, for the container.</item>
/// </list>
/// </summary>
internal sealed record LlmBackend(IResourceBuilder<OllamaModelResource>? Model, LlmBackendMode Mode, string Description)
{
    /// <summary>The server the model runs on, for deployment choices (node pool, scaling).</summary>
    public IResourceBuilder<IOllamaResource>? Server { get; init; }

    /// <summary>The fallback's server.</summary>
    public IResourceBuilder<IOllamaResource>? FallbackServer { get; init; }

    /// <summary>The optional CPU fallback (<c>chat-fallback</c>): a small model that answers while the GPU model cannot.</summary>
    public IResourceBuilder<OllamaModelResource>? Fallback { get; init; }

    public const string DefaultDevelopmentModel = "qwen2.5:0.5b-instruct-q4_K_M";
    public const string DefaultProductionModel = "llama3.1:8b-instruct-q4_K_M";

    public static LlmBackend Add(IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Ollama");
        var requested = settings.GetValue("Mode", LlmBackendMode.Auto);
        var endpoint = settings["Endpoint"];
        var model = builder.ExecutionContext.IsPublishMode
            ? settings["ProductionModel"] ?? DefaultProductionModel
            : settings["Model"] ?? DefaultDevelopmentModel;
        var gpu = settings.GetValue("Gpu", OllamaGpuVendorSetting.None);

        var (mode, why) = Resolve(builder, requested, endpoint);
        IResourceBuilder<IOllamaResource>? ollama = mode switch
        {
            LlmBackendMode.Container => AddContainer(builder, gpu, settings),
            LlmBackendMode.Local => builder.AddOllamaLocal(ResourceNames.Ollama).WithOllamaTuning(settings),
            LlmBackendMode.External => builder.AddOllamaExternal(ResourceNames.Ollama, builder.AddParameter("ollama-endpoint", endpoint!)),
            _ => null,
        };

        if (ollama is null)
        {
            builder.AddResource(new LlmUnavailableResource(ResourceNames.Ollama, why))
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = "Ollama (not available)",
                    State = new ResourceStateSnapshot("Not available", KnownResourceStateStyles.Warn),
                    Properties = [new("Reason", why)],
                })
                .ExcludeFromManifest();
            return new LlmBackend(null, LlmBackendMode.None, why) { Fallback = AddFallback(builder, settings) };
        }

        var fallbackModel = AddFallback(builder, settings);
        return new LlmBackend(ollama.AddModel(ResourceNames.ChatModel, model), mode, why)
        {
            Server = ollama,
            Fallback = fallbackModel,
            FallbackServer = fallbackModel is null ? null : builder.CreateResourceBuilder(fallbackModel.Resource.Parent),
        };
    }

    /// <summary>
    /// <c>Ollama:Fallback</c>: deployments always get a CPU Ollama with a small model (degraded mode when the GPU pool
    /// is empty or failing); in run mode it is opt-in (<c>Enabled</c>), at <c>Endpoint</c> or as a second container.
    /// </summary>
    private static IResourceBuilder<OllamaModelResource>? AddFallback(IDistributedApplicationBuilder builder, IConfigurationSection settings)
    {
        var fallback = settings.GetSection("Fallback");
        var model = fallback["Model"] ?? DefaultDevelopmentModel;
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddOllama(ResourceNames.OllamaFallback).WithDataVolume().WithOllamaTuning(settings).AddModel(ResourceNames.ChatFallbackModel, model);
        }

        if (!fallback.GetValue("Enabled", false))
        {
            return null;
        }

        IResourceBuilder<IOllamaResource>? server = fallback["Endpoint"] is { Length: > 0 } endpoint
            ? builder.AddOllamaExternal(ResourceNames.OllamaFallback, builder.AddParameter("ollama-fallback-endpoint", endpoint))
            : ContainerRuntimeProbe.IsAvailable(builder)
                ? builder.AddOllama(ResourceNames.OllamaFallback).WithDataVolume().WithOllamaTuning(settings)
                : null;
        return server?.AddModel(ResourceNames.ChatFallbackModel, model);
    }

    private static (LlmBackendMode Mode, string Why) Resolve(IDistributedApplicationBuilder builder, LlmBackendMode requested, string? endpoint)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Deployments always run the container on the GPU pool.
            return (LlmBackendMode.Container, "Publish mode: the Ollama container.");
        }

        if (requested == LlmBackendMode.External && string.IsNullOrWhiteSpace(endpoint))
        {
            throw new InvalidOperationException("Ollama:Mode is External but Ollama:Endpoint is not set.");
        }

        if (requested != LlmBackendMode.Auto)
        {
            return (requested, requested == LlmBackendMode.None
                ? "Ollama:Mode is None: the API runs without an LLM."
                : $"Ollama:Mode is {requested}.");
        }

        if (ContainerRuntimeProbe.IsAvailable(builder))
        {
            return (LlmBackendMode.Container, "A container runtime answered: the Ollama container.");
        }

        if (ExecutableSearch.FindOnPath("ollama") is not null)
        {
            return (LlmBackendMode.Local, "No container runtime; 'ollama' is on PATH: ollama serve.");
        }

        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            return (LlmBackendMode.External, "No container runtime and no 'ollama' on PATH: the server at Ollama:Endpoint.");
        }

        return (LlmBackendMode.None,
            "No LLM: no container runtime answered, 'ollama' is not on PATH and Ollama:Endpoint is not set. " +
            "Start Docker or Podman, install Ollama, or set Ollama:Endpoint.");
    }

    private static IResourceBuilder<IOllamaResource> AddContainer(IDistributedApplicationBuilder builder, OllamaGpuVendorSetting gpu, IConfigurationSection settings)
    {
        var ollama = builder.AddOllama(ResourceNames.Ollama)
            .WithDataVolume()
            .WithOllamaTuning(settings);

        // Deployments run the model on the GPU pool's NVIDIA GPUs.
        if (builder.ExecutionContext.IsPublishMode)
        {
            gpu = OllamaGpuVendorSetting.Nvidia;
        }

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

/// <summary>Shown in the dashboard when no Ollama could be wired, with the reason.</summary>
internal sealed class LlmUnavailableResource(string name, string reason) : Resource(name)
{
    public string Reason { get; } = reason;
}
