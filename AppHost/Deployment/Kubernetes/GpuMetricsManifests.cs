using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// Each GPU's own metrics for managed Prometheus: NVIDIA's DCGM exporter on every node of the GPU pools (utilisation,
/// framebuffer memory used and free, XID errors; each series labelled with its node), and the custom scrape job that
/// reads it (<c>ama-metrics-prometheus-config</c>, from <c>Files/dcgm-scrape-config.yaml</c>). In <c>kube-system</c>,
/// beside the device plugin: the exporter reads the GPUs through DCGM and the kubelet's pod-resources socket, which
/// the workloads' namespace (Pod Security "restricted") would refuse.
/// </summary>
internal static class GpuMetricsManifests
{
    public const string Name = "dcgm-exporter";
    public const int Port = 9400;

    public static V1DaemonSet Exporter(DeploymentPlan plan) => GpuNodeDaemonSet.Of(plan,
        new V1Container
        {
            Name = Name,
            Image = new ExternalImage(ClusterImageTags.DcgmExporter).InRegistry,
            Env =
            [
                new V1EnvVar { Name = "DCGM_EXPORTER_LISTEN", Value = $":{Port}" },
                // Which pod holds each GPU, read from the kubelet's pod-resources socket.
                new V1EnvVar { Name = "DCGM_EXPORTER_KUBERNETES", Value = "true" },
                // Every GPU of the node, without holding one: the exporter requests no nvidia.com/gpu.
                new V1EnvVar { Name = "NVIDIA_VISIBLE_DEVICES", Value = "all" },
            ],
            Ports = [new V1ContainerPort { Name = "metrics", ContainerPort = Port, Protocol = "TCP" }],
            // No capability: only DCGM's profiling counters (the PROF fields) need SYS_ADMIN, and none is read here; without
            // it the exporter serves its default counters (NVIDIA/dcgm-exporter PR 427), which hold every one the alerts and
            // the workbook read. Root stays, for the kubelet's pod-resources socket (the GPU-to-pod labels). Nothing escalates.
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = 0,
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
            Resources = Resources("50m", "128Mi", "250m", "512Mi"),
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health", Port = Port }, InitialDelaySeconds = 20, PeriodSeconds = 30 },
            VolumeMounts = [new V1VolumeMount { Name = "pod-resources", MountPath = "/var/lib/kubelet/pod-resources", ReadOnlyProperty = true }],
        },
        [new V1Volume { Name = "pod-resources", HostPath = new V1HostPathVolumeSource { Path = "/var/lib/kubelet/pod-resources" } }]);

    /// <summary>
    /// The exporter's own network policy (issue 30, finding 15): it needs no network to read the GPUs (DCGM runs in its
    /// process; the pod-resources socket is a file), so it may send nothing, and only pods of its own namespace
    /// (managed Prometheus's replica, <c>ama-metrics</c>, which runs the scrape job) may reach its metrics port.
    /// </summary>
    public static V1NetworkPolicy Isolation() => NetworkPolicyParts.Policy(Name, "kube-system", new V1LabelSelector { MatchLabels = Selector(Name) }, ["Ingress", "Egress"],
        ingress: [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() }], Ports = [NetworkPolicyParts.Tcp(Port)] }],
        egress: []);

    /// <summary>Managed Prometheus's custom scrape job for the exporter (a ConfigMap its replica pod reads).</summary>
    public static V1ConfigMap ScrapeJob() => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Meta("ama-metrics-prometheus-config", "kube-system"),
        Data = new Dictionary<string, string>
        {
            ["prometheus-config"] = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Deployment", "Kubernetes", "Files", "dcgm-scrape-config.yaml")),
        },
    };
}
