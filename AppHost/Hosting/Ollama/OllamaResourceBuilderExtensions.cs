using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>
/// Ollama hosting: the container, a local <c>ollama serve</c>, and an existing server. Same public shape as
/// CommunityToolkit.Aspire.Hosting.Ollama (not served on this project's registry), plus
/// <see cref="AddOllamaExternal"/>, which is ours.
/// </summary>
public static partial class OllamaResourceBuilderExtensions
{
    private const string DataMountPath = "/root/.ollama";

    /// <summary>
    /// Adds Ollama as a container (<c>docker.io/ollama/ollama</c>, pinned), endpoint <c>http</c> on target
    /// port 11434, with a health check on <c>/</c>.
    /// </summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="port">The host port; a free port when <c>null</c>.</param>
    /// <returns>The Ollama resource builder.</returns>
    public static IResourceBuilder<OllamaResource> AddOllama(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        return builder.AddResource(new OllamaResource(name))
            .WithImage(OllamaContainerImageTags.Image, OllamaContainerImageTags.Tag)
            .WithImageRegistry(OllamaContainerImageTags.Registry)
            .WithHttpEndpoint(port: port, targetPort: OllamaContainerImageTags.DefaultPort, name: OllamaResource.OllamaEndpointName)
            .WithHttpHealthCheck("/", endpointName: OllamaResource.OllamaEndpointName)
            .WithIconName("BrainCircuit");
    }

    /// <summary>
    /// Adds Ollama as a local <c>ollama serve</c> process, listening on loopback at the allocated port
    /// (through <c>OLLAMA_HOST</c>). For machines with Ollama installed and no container runtime.
    /// </summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="port">The port clients use; a free port when <c>null</c>.</param>
    /// <param name="targetPort">The port <c>ollama serve</c> listens on; a free port when <c>null</c>.</param>
    /// <returns>The Ollama resource builder.</returns>
    public static IResourceBuilder<OllamaExecutableResource> AddOllamaLocal(this IDistributedApplicationBuilder builder, string name, int? port = null, int? targetPort = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var resource = new OllamaExecutableResource(name);
        return builder.AddResource(resource)
            .WithArgs("serve")
            .WithHttpEndpoint(port: port, targetPort: targetPort, name: OllamaResource.OllamaEndpointName)
            .WithEnvironment(context =>
                context.EnvironmentVariables["OLLAMA_HOST"] = ReferenceExpression.Create(
                    $"127.0.0.1:{resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"))
            .WithHttpHealthCheck("/", endpointName: OllamaResource.OllamaEndpointName)
            .WithIconName("BrainCircuit");
    }

    /// <summary>
    /// Adds an Ollama server that already runs elsewhere, reached at the URL in <paramref name="endpoint"/>.
    /// It is marked running at start; its health check asks the server for its version.
    /// </summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="endpoint">A parameter holding the base URL, such as <c>http://gpu-box:11434</c>.</param>
    /// <returns>The Ollama resource builder.</returns>
    public static IResourceBuilder<OllamaExternalResource> AddOllamaExternal(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource> endpoint)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(endpoint);

        var resource = new OllamaExternalResource(name, endpoint.Resource);
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new OllamaServerHealthCheck(resource),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));

        return builder.AddResource(resource)
            .WithParentRelationship(endpoint)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Ollama (external)",
                State = KnownResourceStates.Starting,
                Properties = [],
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("BrainCircuit")
            .OnInitializeResource(async (external, e, cancellationToken) =>
            {
                var url = await external.Endpoint.GetValueAsync(cancellationToken).ConfigureAwait(false);
                await e.Notifications.PublishUpdateAsync(external, state => state with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                    Urls = string.IsNullOrWhiteSpace(url) ? state.Urls : [new UrlSnapshot("endpoint", url, IsInternal: false)],
                }).ConfigureAwait(false);
            });
    }

    /// <summary>Mounts a named volume at <c>/root/.ollama</c>, so models survive container restarts.</summary>
    /// <param name="builder">The Ollama resource builder.</param>
    /// <param name="name">The volume name; derived from the app and resource names when <c>null</c>.</param>
    /// <param name="isReadOnly">Mounts the volume read-only (models preloaded elsewhere).</param>
    /// <returns>The Ollama resource builder.</returns>
    public static IResourceBuilder<OllamaResource> WithDataVolume(this IResourceBuilder<OllamaResource> builder, string? name = null, bool isReadOnly = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var volumeName = name ?? $"{SanitizeVolumeSegment(builder.ApplicationBuilder.Environment.ApplicationName)}-{builder.Resource.Name}-data";
        return builder.WithVolume(volumeName, DataMountPath, isReadOnly);
    }

    /// <summary>
    /// Gives the container the host's GPUs. NVIDIA: <c>--gpus all</c> with Docker, <c>--device nvidia.com/gpu=all</c>
    /// with Podman (CDI); the runtime is read from <c>ASPIRE_CONTAINER_RUNTIME</c>. AMD: the ROCm image with
    /// <c>/dev/kfd</c> and <c>/dev/dri</c>. Also records an <see cref="OllamaGpuAnnotation"/> for deployment.
    /// </summary>
    /// <param name="builder">The Ollama resource builder.</param>
    /// <param name="vendor">The GPU vendor.</param>
    /// <returns>The Ollama resource builder.</returns>
    public static IResourceBuilder<OllamaResource> WithGPUSupport(this IResourceBuilder<OllamaResource> builder, OllamaGpuVendor vendor = OllamaGpuVendor.Nvidia)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.WithAnnotation(new OllamaGpuAnnotation(vendor, count: 1), ResourceAnnotationMutationBehavior.Replace);
        var runtime = ContainerRuntimeName(builder.ApplicationBuilder);

        return vendor switch
        {
            OllamaGpuVendor.Nvidia when runtime == "podman" => builder.WithContainerRuntimeArgs("--device", "nvidia.com/gpu=all"),
            OllamaGpuVendor.Nvidia => builder.WithContainerRuntimeArgs("--gpus", "all"),
            OllamaGpuVendor.AMD => builder
                .WithImageTag(OllamaContainerImageTags.RocmTag)
                .WithContainerRuntimeArgs("--device", "/dev/kfd", "--device", "/dev/dri"),
            _ => throw new ArgumentOutOfRangeException(nameof(vendor), vendor, "Unknown GPU vendor."),
        };
    }

    /// <summary>The container runtime Aspire will use: <c>docker</c> unless configured otherwise.</summary>
    internal static string ContainerRuntimeName(IDistributedApplicationBuilder builder) =>
        (builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]
            ?? builder.Configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"]
            ?? "docker").Trim().ToLowerInvariant();

    private static string SanitizeVolumeSegment(string value) =>
        new([.. value.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
}
