using System.Globalization;
using k8s;
using k8s.Models;

namespace AppHost.Deployment.Kubernetes;

/// <summary>The small pieces every manifest writer shares: metadata, labels, resources, probes, locked-down containers, YAML.</summary>
internal static class KubernetesObjects
{
    public const string NameLabel = "app.kubernetes.io/name";
    public const string PartOfLabel = "app.kubernetes.io/part-of";
    public const string ComponentLabel = "app.kubernetes.io/component";
    public const string AgentPoolLabel = "kubernetes.azure.com/agentpool";
    public const string WorkloadIdentityUseLabel = "azure.workload.identity/use";
    public const string WorkloadIdentityClientIdAnnotation = "azure.workload.identity/client-id";

    /// <summary>The Secrets Store CSI driver (installed by the AKS add-on azureKeyvaultSecretsProvider).</summary>
    public const string SecretsStoreDriver = "secrets-store.csi.k8s.io";

    public static V1ObjectMeta Meta(string name, string? ns, IDictionary<string, string>? labels = null, IDictionary<string, string>? annotations = null) =>
        new() { Name = name, NamespaceProperty = ns, Labels = labels, Annotations = annotations };

    public static Dictionary<string, string> Labels(WorkloadPlan workload) => new()
    {
        [NameLabel] = workload.Name,
        [PartOfLabel] = DeploymentConventions.PartOf,
        [ComponentLabel] = workload.Kind switch
        {
            WorkloadKind.Service => "service",
            WorkloadKind.ModelServer => "model-server",
            _ => "store",
        },
    };

    public static Dictionary<string, string> PartOf() => new() { [PartOfLabel] = DeploymentConventions.PartOf };

    public static Dictionary<string, string> Selector(string name) => new() { [NameLabel] = name };

    public static V1ResourceRequirements Resources(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit, int gpus = 0)
    {
        var limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memoryLimit) };
        var requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) };
        if (gpus > 0)
        {
            limits["nvidia.com/gpu"] = new(gpus.ToString(CultureInfo.InvariantCulture));
            requests["nvidia.com/gpu"] = new(gpus.ToString(CultureInfo.InvariantCulture));
        }

        return new V1ResourceRequirements { Requests = requests, Limits = limits };
    }

    public static V1Probe HttpProbe(string path, int port, int period, int failures, int timeout) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = period,
        FailureThreshold = failures,
        TimeoutSeconds = timeout,
    };

    /// <summary>Pod Security "restricted": no privilege escalation, no capabilities, non-root, RuntimeDefault seccomp, read-only root.</summary>
    public static V1SecurityContext LockedDownContainer() => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    public static V1PodSecurityContext NonRootPod(long user) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        FsGroup = user,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>AKS's taint on spot nodes: tolerated wherever a pool may be switched to spot at deployment.</summary>
    public static V1Toleration Spot() => new() { Key = "kubernetes.azure.com/scalesetpriority", OperatorProperty = "Equal", Value = "spot", Effect = "NoSchedule" };

    public static V1Toleration Tolerate(AksTaint taint) => new() { Key = taint.Key, OperatorProperty = "Equal", Value = taint.Value, Effect = taint.Effect };

    /// <summary>
    /// What a pod on <paramref name="pool"/> tolerates: the pool's taints; AKS's spot taint, because whether a pool runs
    /// on spot VMs is a deployment parameter (<c>nodePoolSpot</c>) the manifests cannot know; and GPUs when it uses them.
    /// </summary>
    public static List<V1Toleration>? Tolerations(PoolPlan? pool, int gpus)
    {
        var tolerations = new List<V1Toleration>();
        if (pool is not null)
        {
            tolerations.AddRange(pool.Taints.Select(Tolerate));
            tolerations.Add(Spot());
        }

        if (gpus > 0)
        {
            tolerations.Add(new V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists", Effect = "NoSchedule" });
        }

        return tolerations.Count > 0 ? tolerations : null;
    }

    public static Dictionary<string, object> Map(params (string Key, object Value)[] entries)
    {
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            map[key] = value;
        }

        return map;
    }

    public static string Yaml(IEnumerable<object> objects) =>
        string.Join("---\n", objects.Select(o => KubernetesYaml.Serialize(o).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n"));
}
