using System.Collections;
using System.Globalization;
using Api.Llm;
using AppHost.Deployment;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>One declared model as hosted: its model resource (the connection string the API reads) and its server.</summary>
internal sealed record HostedModel(string Name, ModelDeclaration Declaration, IResourceBuilder<OllamaModelResource> Model, IResourceBuilder<IOllamaResource> Server)
{
    /// <summary>Deployed, every model has a server of its own (run mode's shared local server is not one).</summary>
    public bool OwnServer { get; init; }
}

/// <summary>
/// The model catalogue (<c>AppHost/models.json</c>, overridable as <c>--Models:&lt;id&gt;:&lt;Property&gt;=...</c>) made into
/// resources. Run mode: every model on the one local Ollama (<see cref="LlmHosting"/>), pulled with progress, unless the
/// model names an <c>Endpoint</c> of its own. Deployed: each model its own Ollama server, sized and placed as declared,
/// with its own headless Service and KEDA scaler on its own demand. The API is told each model's properties
/// (<c>Llm:Models:&lt;id&gt;</c>) and given each connection string.
/// </summary>
internal static class ModelHosting
{
    public const string SectionName = "Models";

    public const string CatalogueFile = "models.json";

    /// <summary>The declarations: <c>models.json</c>, then whatever configuration (command line, user secrets) sets on top.</summary>
    public static IReadOnlyDictionary<string, ModelDeclaration> Declarations(IDistributedApplicationBuilder builder)
    {
        var declared = new Dictionary<string, ModelDeclaration>(StringComparer.OrdinalIgnoreCase);
        new ConfigurationBuilder().AddJsonFile(Path.Combine(builder.AppHostDirectory, CatalogueFile), optional: false).Build().GetSection(SectionName).Bind(declared);
        builder.Configuration.GetSection(SectionName).Bind(declared);
        if (ModelCatalogueRules.Problem(declared.ToDictionary(d => d.Key, d => (ModelOptions)d.Value, StringComparer.OrdinalIgnoreCase)) is { } problem)
        {
            throw new InvalidOperationException($"{CatalogueFile}: {problem}");
        }

        return declared;
    }

    public static IReadOnlyList<HostedModel> Add(IDistributedApplicationBuilder builder, LlmHosting llm)
    {
        var hosted = new List<HostedModel>();
        foreach (var (name, declaration) in Declarations(builder))
        {
            if (builder.ExecutionContext.IsPublishMode)
            {
                var server = AddServer(builder, name, declaration, llm.Tuning);
                hosted.Add(new HostedModel(name, declaration, server.AddModel(name, declaration.Tag), server) { OwnServer = true });
                continue;
            }

            IResourceBuilder<IOllamaResource>? shared = declaration.Endpoint is { Length: > 0 } endpoint
                ? builder.AddOllamaExternal(ServerName(name), builder.AddParameter($"{ServerName(name)}-endpoint", endpoint))
                : llm.Server;
            if (shared is not null)
            {
                hosted.Add(new HostedModel(name, declaration, shared.AddModel(name, declaration.DevelopmentTag ?? declaration.Tag), shared));
            }
        }

        return hosted;
    }

    /// <summary>A deployed model's server: Ollama, tuned for its slots and context, on NVIDIA GPUs when it runs on the GPU pool.</summary>
    private static IResourceBuilder<IOllamaResource> AddServer(IDistributedApplicationBuilder builder, string name, ModelDeclaration declaration, OllamaTuning tuning)
    {
        var server = builder.AddOllama(ServerName(name))
            .WithDataVolume()
            .WithOllamaTuning(tuning with { NumParallel = declaration.SlotsPerServer ?? tuning.NumParallel, ContextLength = declaration.ContextLength });
        return declaration.Pool == ModelPool.Gpu ? server.WithGPUSupport(OllamaGpuVendor.Nvidia) : server;
    }

    public static string ServerName(string model) => $"ollama-{model}";

    /// <summary>
    /// The API reads every model's connection string and its catalogue entry. It waits for the default chat model only:
    /// the others become usable as their pulls finish (until then a call to one fails like a model that is down).
    /// </summary>
    public static void Reference(IResourceBuilder<ProjectResource> api, IReadOnlyList<HostedModel> models)
    {
        foreach (var model in models)
        {
            api.WithReference(model.Model);
            if (model.Declaration.Default)
            {
                api.WaitFor(model.Model);
            }

            foreach (var (key, value) in ApiSettings(model.Name, model.Declaration, model.OwnServer))
            {
                api.WithEnvironment(key, value);
            }
        }
    }

    /// <summary>
    /// <c>Llm__Models__&lt;id&gt;__&lt;Property&gt;</c> for every settable property of <see cref="ModelOptions"/> (the class the API
    /// binds), lists by index: what the API is told is what was declared, property for property.
    /// </summary>
    /// <param name="ownServer">
    /// False in run mode, where the models share one Ollama: each then runs as many replies at once as that server's
    /// <c>OLLAMA_NUM_PARALLEL</c> (<c>Llm:Admission:SlotsPerServer</c>), not the slots declared for its own servers.
    /// </param>
    public static IEnumerable<(string Key, string Value)> ApiSettings(string name, ModelOptions model, bool ownServer = true)
    {
        foreach (var property in typeof(ModelOptions).GetProperties().Where(p => p.CanWrite && (ownServer || p.Name != nameof(ModelOptions.SlotsPerServer))))
        {
            var prefix = $"{ModelOptions.CatalogueSection.Replace(":", "__", StringComparison.Ordinal)}__{name}__{property.Name}";
            switch (property.GetValue(model))
            {
                case null:
                    break;
                case string text:
                    yield return (prefix, text);
                    break;
                case IEnumerable items:
                    var index = 0;
                    foreach (var item in items)
                    {
                        yield return ($"{prefix}__{index++}", Convert.ToString(item, CultureInfo.InvariantCulture)!);
                    }

                    break;
                case bool flag:
                    yield return (prefix, flag ? "true" : "false");
                    break;
                case var value:
                    yield return (prefix, Convert.ToString(value, CultureInfo.InvariantCulture)!);
                    break;
            }
        }
    }

    /// <summary>
    /// Deployed: each model's server on its pool with its size, between its replicas, scaled by KEDA on its own demand
    /// (requests running or waiting for it, as the API publishes them) and counted by the API through its headless Service.
    /// </summary>
    public static void Deploy(IResourceBuilder<ProjectResource> api, IReadOnlyList<HostedModel> models, IResourceBuilder<AksNodePoolResource> cpuPool, IResourceBuilder<AksNodePoolResource> gpuPool)
    {
        foreach (var model in models.Where(m => m.OwnServer))
        {
            var declaration = model.Declaration;
            var gpu = declaration.Pool == ModelPool.Gpu;
            var slots = declaration.SlotsPerServer ?? 1;
            model.Server.WithNodePool(gpu ? gpuPool : cpuPool)
                .WithKubernetesResources(declaration.Requests.Cpu, declaration.Requests.Memory, declaration.Limits.Cpu, declaration.Limits.Memory, gpus: gpu ? 1 : 0)
                .WithKubernetesScaling(declaration.MinReplicas, declaration.MaxReplicas)
                .WithPrometheusScaling($"llm-requests-{model.Name}", LlmScaling.Demand(model.Name), threshold: slots, activationThreshold: 1);
            api.WithEnvironment($"Llm__Admission__ServerHosts__{model.Name}", DeploymentConventions.ServerPodsName(model.Server.Resource.Name));
        }
    }
}
