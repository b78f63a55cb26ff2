namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// The manifests of a <see cref="DeploymentPlan"/>, by path under <c>infra/k8s</c>: one folder per azd service (its
/// <c>k8s.deploymentPath</c>, holding only <c>*.tmpl.yaml</c> files, since azd fills <c>{{.Env.NAME}}</c> in no
/// other file) and the cluster folder the postprovision hook applies with the same template rule.
/// </summary>
internal static class KubernetesManifestWriter
{
    public static IReadOnlyDictionary<string, string> Write(DeploymentPlan plan)
    {
        var cluster = DeploymentConventions.ClusterFolder;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [File(cluster, "namespace")] = KubernetesObjects.Yaml([.. ClusterManifests.Namespaces(plan)]),
            [File(cluster, "network-policies")] = KubernetesObjects.Yaml([.. ClusterManifests.NetworkPolicies(plan)]),
            [File(cluster, "prometheus-scraping")] = KubernetesObjects.Yaml([ClusterManifests.ScrapeSettings(plan)]),
        };

        if (plan.Pools.Any(p => p.IsGpu))
        {
            files[File(cluster, "nvidia-device-plugin")] = KubernetesObjects.Yaml([ClusterManifests.DevicePlugin(plan)]);
            files[File(cluster, "gpu-metrics")] = KubernetesObjects.Yaml([GpuMetricsManifests.Exporter(plan), GpuMetricsManifests.Isolation(), GpuMetricsManifests.ScrapeJob()]);
        }

        if (plan.Identities.SingleOrDefault(i => i.Name == DeploymentConventions.GatewayIdentity) is { } gateway)
        {
            files[File(cluster, "gateway")] = KubernetesObjects.Yaml([.. GatewayManifests.Gateway(plan, gateway), .. GatewayManifests.Isolation(plan)]);
        }

        if (plan.Identities.SingleOrDefault(i => i.Name == DeploymentConventions.KedaIdentity) is { } keda)
        {
            files[File(cluster, "keda-authentication")] = KubernetesObjects.Yaml([ClusterManifests.KedaAuthentication(plan, keda)]);
        }

        foreach (var workload in plan.Workloads)
        {
            var folder = workload.Kind == WorkloadKind.Service ? workload.Name : cluster;
            files[File(folder, workload.Name)] = KubernetesObjects.Yaml(WorkloadManifests.For(plan, workload));
        }

        return files;
    }

    private static string File(string folder, string name) => $"{folder}/{name}{DeploymentConventions.TemplateSuffix}";
}
