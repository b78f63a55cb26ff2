using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// AKS deployment choices, written in the AppHost in the shape of Aspire's AKS API
/// (<c>AddAzureKubernetesEnvironment</c>, <c>AddNodePool</c>, <c>WithNodePool</c>), plus what it lacks: taints,
/// labels, GPU counts and autoscaling. They are only data on the model: the deployment generator
/// (<c>AppHost/Deployment</c>) reads them; run mode ignores them.
/// </summary>
public static partial class AzureKubernetesEnvironmentExtensions
{
    /// <summary>Adds the AKS environment the app deploys to.</summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <returns>The environment builder.</returns>
    public static IResourceBuilder<AzureKubernetesEnvironmentResource> AddAzureKubernetesEnvironment(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        return builder.AddResource(new AzureKubernetesEnvironmentResource(name))
            .ExcludeFromManifest()
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "AKS environment",
                State = "Deployment only",
                IsHidden = builder.ExecutionContext.IsRunMode,
                Properties = [],
            });
    }

    /// <summary>Adds a user node pool, scaled by the cluster autoscaler between <paramref name="minCount"/> and <paramref name="maxCount"/>.</summary>
    /// <param name="builder">The environment builder.</param>
    /// <param name="name">1-12 lowercase letters and digits, starting with a letter (AKS's rule).</param>
    /// <param name="vmSize">The VM size.</param>
    /// <param name="minCount">The fewest nodes.</param>
    /// <param name="maxCount">The most nodes.</param>
    /// <returns>The node pool builder.</returns>
    public static IResourceBuilder<AksNodePoolResource> AddNodePool(this IResourceBuilder<AzureKubernetesEnvironmentResource> builder, string name, string vmSize, int minCount, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(vmSize);
        if (!PoolName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid AKS node pool name (1-12 lowercase letters and digits, starting with a letter).", nameof(name));
        }

        if (minCount < 0 || maxCount < 1 || minCount > maxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(maxCount), $"Node counts must satisfy 0 <= min <= max and max >= 1 (got {minCount}..{maxCount}).");
        }

        var pool = new AksNodePoolResource(name, vmSize, minCount, maxCount, builder.Resource);
        builder.Resource.Add(pool);
        pool.SetLabel("kubernetes.azure.com/agentpool", name);
        return builder.ApplicationBuilder.AddResource(pool)
            .WithParentRelationship(builder)
            .ExcludeFromManifest()
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "AKS node pool",
                State = "Deployment only",
                IsHidden = builder.ApplicationBuilder.ExecutionContext.IsRunMode,
                Properties = [],
            });
    }

    /// <summary>Taints the pool's nodes: only pods that tolerate the taint are scheduled there.</summary>
    public static IResourceBuilder<AksNodePoolResource> WithTaint(this IResourceBuilder<AksNodePoolResource> builder, string key, string value, string effect = "NoSchedule")
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.AddTaint(new AksTaint(key, value, effect));
        return builder;
    }

    /// <summary>Labels the pool's nodes.</summary>
    public static IResourceBuilder<AksNodePoolResource> WithNodeLabel(this IResourceBuilder<AksNodePoolResource> builder, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.SetLabel(key, value);
        return builder;
    }

    /// <summary>Marks the pool's nodes as having <paramref name="gpusPerNode"/> GPUs (for scheduling and autoscaling bounds).</summary>
    public static IResourceBuilder<AksNodePoolResource> WithGpus(this IResourceBuilder<AksNodePoolResource> builder, int gpusPerNode, params string[] allowedVmSizes)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.GpusPerNode = gpusPerNode;
        builder.Resource.AllowVmSizes(allowedVmSizes);
        return builder;
    }

    /// <summary>Runs the workload on <paramref name="pool"/>: a nodeSelector, and tolerations for its taints.</summary>
    public static IResourceBuilder<T> WithNodePool<T>(this IResourceBuilder<T> builder, IResourceBuilder<AksNodePoolResource> pool) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(pool);
        return builder.WithAnnotation(new AksNodePoolAnnotation(pool.Resource), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>Scales the workload between <paramref name="minReplicas"/> and <paramref name="maxReplicas"/>, on CPU when <paramref name="cpuUtilizationPercent"/> is set.</summary>
    public static IResourceBuilder<T> WithKubernetesScaling<T>(this IResourceBuilder<T> builder, int minReplicas, int maxReplicas, int? cpuUtilizationPercent = null) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithAnnotation(new KubernetesScalingAnnotation(minReplicas, maxReplicas) { CpuUtilizationPercent = cpuUtilizationPercent }, ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>Adds a Prometheus trigger (KEDA): replicas follow <paramref name="query"/> divided by <paramref name="threshold"/>.</summary>
    public static IResourceBuilder<T> WithPrometheusScaling<T>(this IResourceBuilder<T> builder, string name, string query, int threshold, int activationThreshold = 0) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        var scaling = builder.Resource.Annotations.OfType<KubernetesScalingAnnotation>().LastOrDefault()
            ?? throw new InvalidOperationException($"Call WithKubernetesScaling on '{builder.Resource.Name}' before adding Prometheus triggers.");
        scaling.PrometheusTriggers.Add(new PrometheusScaleTrigger(name, query, threshold, activationThreshold));
        return builder;
    }

    /// <summary>Runs the workload's image on a schedule (cron syntax, UTC) with <paramref name="args"/>, as a Kubernetes CronJob.</summary>
    /// <summary>Routes these path prefixes of the public host to this workload (an Ingress of its own on the same host).</summary>
    public static IResourceBuilder<T> WithIngressPaths<T>(this IResourceBuilder<T> builder, params string[] paths) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (paths.Length == 0 || paths.Any(p => !p.StartsWith('/') || p.Length < 2))
        {
            throw new ArgumentException("Each path is a prefix below the root, such as /v1.", nameof(paths));
        }

        return builder.WithAnnotation(new KubernetesIngressPathsAnnotation(paths));
    }

    public static IResourceBuilder<T> WithKubernetesCronJob<T>(this IResourceBuilder<T> builder, string name, string schedule, params string[] args) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(schedule);
        return builder.WithAnnotation(new KubernetesCronJobAnnotation(name, schedule, args));
    }

    /// <summary>Sets the main container's CPU and memory requests and limits, and the GPUs it needs (<c>nvidia.com/gpu</c>).</summary>
    public static IResourceBuilder<T> WithKubernetesResources<T>(this IResourceBuilder<T> builder, string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit, int gpus = 0) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(gpus);
        return builder.WithAnnotation(new KubernetesResourcesAnnotation(cpuRequest, memoryRequest, cpuLimit, memoryLimit) { Gpus = gpus }, ResourceAnnotationMutationBehavior.Replace);
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex PoolName();
}
