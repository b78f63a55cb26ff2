namespace Aspire.Hosting.ApplicationModel;

/// <summary>Places a workload on a node pool (nodeSelector, and tolerations for the pool's taints).</summary>
public sealed class AksNodePoolAnnotation(AksNodePoolResource pool) : IResourceAnnotation
{
    public AksNodePoolResource Pool { get; } = pool;
}

/// <summary>How a workload scales: replicas, a CPU target, and Prometheus triggers (through KEDA).</summary>
public sealed class KubernetesScalingAnnotation(int minReplicas, int maxReplicas) : IResourceAnnotation
{
    public int MinReplicas { get; } = minReplicas;

    public int MaxReplicas { get; } = maxReplicas;

    /// <summary>Average CPU utilisation to aim for, in percent of the request; <c>null</c> for none.</summary>
    public int? CpuUtilizationPercent { get; set; }

    public List<PrometheusScaleTrigger> PrometheusTriggers { get; } = [];
}

/// <summary>Scale on a PromQL query against managed Prometheus: replicas = ceil(value / threshold).</summary>
public sealed record PrometheusScaleTrigger(string Name, string Query, int Threshold, int ActivationThreshold = 0);

/// <summary>Path prefixes of the workload the cluster's ingress routes to it on the public host (beside the external web).</summary>
public sealed record KubernetesIngressPathsAnnotation(IReadOnlyList<string> Paths) : IResourceAnnotation;

/// <summary>A scheduled job run with the workload's image, identity and configuration (a Kubernetes CronJob).</summary>
public sealed record KubernetesCronJobAnnotation(string Name, string Schedule, IReadOnlyList<string> Args) : IResourceAnnotation;

/// <summary>CPU and memory requests and limits of a workload's main container, and the GPUs it needs.</summary>
public sealed record KubernetesResourcesAnnotation(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit) : IResourceAnnotation
{
    /// <summary>GPUs per replica (<c>nvidia.com/gpu</c>, requested and limited), 0 for none.</summary>
    public int Gpus { get; init; }
}
