using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// Where the LLM is hosted: the model resource on whichever Ollama this machine can run (or none, with the reason),
/// the server behind it, and the optional CPU fallback. Not to be confused with the API's runtime backends
/// (<c>Api/Llm/LlmBackend</c>), which call these servers.
/// Settings (<c>AppHost/appsettings.json</c>, user secrets, or <c>--Ollama:Mode=...</c> on the command line):
/// <list type="bullet">
/// <item><c>Ollama:Mode</c>: Auto, Container, Local, External or None (see <see cref="LlmHostingMode"/>);</item>
/// <item><c>Ollama:Endpoint</c>: the URL for External;</item>
/// <item><c>Ollama:Model</c>: the development model, small and pinned by tag;</item>
/// <item><c>Ollama:ProductionModel</c>: the model deployments serve;</item>
/// <item><c>Ollama:Gpu</c>: None, Nvidia or AMD, for the container.</item>
/// </list>
/// </summary>
internal sealed record LlmHosting(IResourceBuilder<OllamaModelResource>? Model, string Description)
{
    /// <summary>The server the model runs on, for deployment choices (node pool, scaling).</summary>
    public IResourceBuilder<IOllamaResource>? Server { get; init; }

    /// <summary>The fallback's server.</summary>
    public IResourceBuilder<IOllamaResource>? FallbackServer { get; init; }

    /// <summary>The optional CPU fallback (<c>chat-fallback</c>): a small model that answers while the GPU model cannot.</summary>
    public IResourceBuilder<OllamaModelResource>? Fallback { get; init; }

    /// <summary>Ollama's server settings, shared with the API's admission limit.</summary>
    public required OllamaTuning Tuning { get; init; }

    public const string DefaultDevelopmentModel = "qwen2.5:0.5b-instruct-q4_K_M";
    public const string DefaultProductionModel = "llama3.1:8b-instruct-q4_K_M";

    public static LlmHosting Add(IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Ollama");
        var requested = settings.GetValue("Mode", LlmHostingMode.Auto);
        var endpoint = settings["Endpoint"];
        var model = builder.ExecutionContext.IsPublishMode
            ? settings["ProductionModel"] ?? DefaultProductionModel
            : settings["Model"] ?? DefaultDevelopmentModel;
        var gpu = settings.GetValue("Gpu", OllamaGpuVendorSetting.None);

        var tuning = OllamaTuning.From(builder.Configuration);
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
            return new LlmHosting(null, why) { Tuning = tuning, Fallback = AddFallback(builder, settings, tuning) };
        }

        var fallbackModel = AddFallback(builder, settings, tuning);
        return new LlmHosting(ollama.AddModel(ResourceNames.ChatModel, model), why)
        {
            Tuning = tuning,
            Server = ollama,
            Fallback = fallbackModel,
            FallbackServer = fallbackModel is null ? null : builder.CreateResourceBuilder(fallbackModel.Resource.Parent),
        };
    }

    /// <summary>
    /// <c>Ollama:Fallback</c>: deployments always get a CPU Ollama with a small model (degraded mode when the GPU pool
    /// is empty or failing); in run mode it is opt-in (<c>Enabled</c>), at <c>Endpoint</c> or as a second container.
    /// </summary>
    private static IResourceBuilder<OllamaModelResource>? AddFallback(IDistributedApplicationBuilder builder, IConfigurationSection settings, OllamaTuning tuning)
    {
        var fallback = settings.GetSection("Fallback");
        var model = fallback["Model"] ?? DefaultDevelopmentModel;
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddOllama(ResourceNames.OllamaFallback).WithDataVolume().WithOllamaTuning(tuning).AddModel(ResourceNames.ChatFallbackModel, model);
        }

        if (!fallback.GetValue("Enabled", false))
        {
            return null;
        }

        IResourceBuilder<IOllamaResource>? server = fallback["Endpoint"] is { Length: > 0 } endpoint
            ? builder.AddOllamaExternal(ResourceNames.OllamaFallback, builder.AddParameter("ollama-fallback-endpoint", endpoint))
            : ContainerRuntimeProbe.IsAvailable(builder)
                ? builder.AddOllama(ResourceNames.OllamaFallback).WithDataVolume().WithOllamaTuning(tuning)
                : null;
        return server?.AddModel(ResourceNames.ChatFallbackModel, model);
    }

    private static (LlmHostingMode Mode, string Why) Resolve(IDistributedApplicationBuilder builder, LlmHostingMode requested, string? endpoint)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Deployments always run the container on the GPU pool.
            return (LlmHostingMode.Container, "Publish mode: the Ollama container.");
        }

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

/// <summary>Shown in the dashboard when no Ollama could be wired; the reason is in its properties.</summary>
internal sealed class LlmUnavailableResource(string name) : Resource(name);
