using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// A node agent on every node of the GPU pools, in <c>kube-system</c>: one container and its host paths, rolled one
/// node at a time, critical to the node, with no API token, placed on and tolerating the GPU pools only. The device
/// plugin and the DCGM exporter are both this shape.
/// </summary>
internal static class GpuNodeDaemonSet
{
    public static V1DaemonSet Of(DeploymentPlan plan, V1Container container, IList<V1Volume> volumes)
    {
        var gpuPools = plan.Pools.Where(p => p.IsGpu).ToList();
        var labels = Selector(container.Name);
        return new V1DaemonSet
        {
            ApiVersion = "apps/v1",
            Kind = "DaemonSet",
            Metadata = Meta(container.Name, "kube-system", labels),
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate" },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        PriorityClassName = "system-node-critical",
                        AutomountServiceAccountToken = false,
                        Affinity = ClusterManifests.OnGpuPools(gpuPools),
                        Tolerations = ClusterManifests.GpuTolerations(gpuPools),
                        Containers = [container],
                        Volumes = volumes,
                    },
                },
            },
        };
    }
}
