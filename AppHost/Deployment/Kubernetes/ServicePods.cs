using System.Globalization;
using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>The pod of a .NET service: probes on /alive and /health, the .NET image's non-root user, its workload identity, Prometheus annotations.</summary>
internal static class ServicePods
{
    public static V1DeploymentStrategy Strategy() =>
        new() { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = "0" } };

    public static V1PodTemplateSpec Template(WorkloadPlan workload)
    {
        var labels = Labels(workload);
        if (workload.Identity is not null)
        {
            labels[WorkloadIdentityUseLabel] = "true";
        }

        var container = WorkloadManifests.MainContainer(workload, []);
        var port = workload.ServicePort.Port;
        container.StartupProbe = HttpProbe("/alive", port, period: 2, failures: 30, timeout: 2);
        container.ReadinessProbe = HttpProbe("/health", port, period: 10, failures: 3, timeout: 5);
        container.LivenessProbe = HttpProbe("/alive", port, period: 10, failures: 3, timeout: 2);
        // Endpoints drop a terminating pod a little after SIGTERM: keep serving meanwhile, then drain.
        container.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = DeploymentConventions.PreStopSeconds } } };

        var pod = WorkloadManifests.BasePod(workload, container, []);
        pod.TerminationGracePeriodSeconds = DeploymentConventions.ServiceTerminationGraceSeconds;
        pod.SecurityContext = NonRootPod(DeploymentConventions.AppUserId);

        var annotations = workload.Ports.FirstOrDefault(p => p.Name == "metrics") is { } metrics
            ? new Dictionary<string, string>
            {
                ["prometheus.io/scrape"] = "true",
                ["prometheus.io/port"] = metrics.Port.ToString(CultureInfo.InvariantCulture),
                ["prometheus.io/path"] = "/metrics",
            }
            : null;
        return new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels, Annotations = annotations }, Spec = pod };
    }
}
