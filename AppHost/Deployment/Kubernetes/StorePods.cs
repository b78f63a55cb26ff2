using System.Globalization;
using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// The pod of the shared store: the official Redis image as its own user, in memory only (no snapshots, no append
/// log: everything it holds lapses within minutes, and the API works on without it), memory capped below the pod's
/// limit with the keys nearest their expiry evicted first. Only the API's pods reach it (network policy).
/// </summary>
internal static class StorePods
{
    private const string DataPath = "/data";

    /// <summary>One replica with state in memory: the old pod goes before the new one starts (the API rides out the gap).</summary>
    public static V1DeploymentStrategy Strategy() => new() { Type = "Recreate" };

    public static V1PodTemplateSpec Template(WorkloadPlan workload)
    {
        var container = WorkloadManifests.MainContainer(workload, [new V1VolumeMount { Name = "data", MountPath = DataPath }]);
        var port = workload.ServicePort.Port;
        container.Command = ["redis-server"];
        container.Args =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--dir", DataPath,
            "--save", string.Empty,
            "--appendonly", "no",
            // No password: the network policy lets only the API's pods in (docs/deploy.md); protected mode would refuse them.
            "--protected-mode", "no",
            "--maxmemory", "384mb",
            "--maxmemory-policy", "volatile-ttl",
        ];
        var probe = new V1TCPSocketAction { Port = port };
        container.ReadinessProbe = new V1Probe { TcpSocket = probe, PeriodSeconds = 5, FailureThreshold = 3, TimeoutSeconds = 2 };
        container.LivenessProbe = new V1Probe { TcpSocket = probe, PeriodSeconds = 10, FailureThreshold = 6, TimeoutSeconds = 2 };

        var pod = WorkloadManifests.BasePod(workload, container, [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } }]);
        pod.SecurityContext = NonRootPod(DeploymentConventions.RedisUserId);
        return new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels(workload) }, Spec = pod };
    }
}
