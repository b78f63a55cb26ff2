using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;
using static AppHost.Deployment.Kubernetes.NetworkPolicyParts;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// Cluster-wide objects, applied by the postprovision hook before azd deploys the services: the namespaces (Pod
/// Security "restricted" for the workloads), default-deny network policies with the allowances the plan's callers need, the NVIDIA
/// device plugin on GPU pools, managed Prometheus's scrape settings, and KEDA's authentication to Prometheus.
/// </summary>
internal static class ClusterManifests
{
    /// <summary>
    /// The workloads' namespace (Pod Security "restricted") and the Gateway's ("baseline": the add-on deploys the
    /// gateway's own pods there, which we do not shape).
    /// </summary>
    public static IEnumerable<V1Namespace> Namespaces(DeploymentPlan plan)
    {
        yield return Namespace(plan.Namespace, "restricted");
        if (plan.Workloads.Any(w => w.IngressPaths.Count > 0))
        {
            yield return Namespace(DeploymentConventions.GatewayNamespace, "baseline");
        }
    }

    private static V1Namespace Namespace(string name, string podSecurity) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = Meta(name, null, new Dictionary<string, string>
        {
            [PartOfLabel] = DeploymentConventions.PartOf,
            ["pod-security.kubernetes.io/enforce"] = podSecurity,
            ["pod-security.kubernetes.io/enforce-version"] = "latest",
        }),
    };

    public static IEnumerable<V1NetworkPolicy> NetworkPolicies(DeploymentPlan plan)
    {
        V1NetworkPolicy Policy(string name, V1LabelSelector selector, string[] types, List<V1NetworkPolicyIngressRule>? ingress = null, List<V1NetworkPolicyEgressRule>? egress = null) =>
            NetworkPolicyParts.Policy(name, plan.Namespace, selector, types, ingress, egress);

        V1NetworkPolicyPeer Pods(string name) => new() { PodSelector = new V1LabelSelector { MatchLabels = Selector(name) } };

        // Everything is denied unless a policy below allows it, in both directions.
        yield return DefaultDeny(plan.Namespace);

        // The services resolve names and reach Azure (Entra ID, Key Vault, Storage, Monitor) over HTTPS; the model
        // servers get neither: Ollama never needs the network after its models are preloaded.
        var services = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [ComponentLabel] = "service" } };
        yield return Policy("services-egress-dns-and-azure", services, ["Egress"], egress:
        [
            DnsEgress(),
            new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }],
                Ports = [Tcp(443)],
            },
        ]);

        foreach (var workload in plan.Workloads)
        {
            var selector = new V1LabelSelector { MatchLabels = Selector(workload.Name) };
            var port = workload.ServicePort.Port;
            var ingress = new List<V1NetworkPolicyIngressRule>();
            if (workload.Callers.Count > 0)
            {
                ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [.. workload.Callers.Select(Pods)], Ports = [Tcp(port)] });
            }

            if (workload.IngressPaths.Count > 0)
            {
                // The Gateway's proxy pods, in the Gateway's namespace; no other pod there.
                ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [GatewayManifests.ProxyPods()], Ports = [Tcp(port)] });
            }

            if (workload.Ports.FirstOrDefault(p => p.Name == "metrics") is { } metrics)
            {
                // Managed Prometheus scrapes from kube-system.
                ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed("kube-system") }], Ports = [Tcp(metrics.Port)] });
            }

            if (ingress.Count > 0)
            {
                yield return Policy($"{workload.Name}-ingress", selector, ["Ingress"], ingress: ingress);
            }

            var callees = plan.Workloads.Where(w => w.Callers.Contains(workload.Name)).ToList();
            if (callees.Count > 0)
            {
                yield return Policy($"{workload.Name}-egress", selector, ["Egress"], egress: [.. callees.Select(c => new V1NetworkPolicyEgressRule { To = [Pods(c.Name)], Ports = [Tcp(c.ServicePort.Port)] })]);
            }
        }
    }

    public static V1DaemonSet DevicePlugin(DeploymentPlan plan) => GpuNodeDaemonSet.Of(plan,
        new V1Container
        {
            Name = "nvidia-device-plugin",
            Image = new ExternalImage(ClusterImageTags.NvidiaDevicePlugin).InRegistry,
            Env = [new V1EnvVar { Name = "FAIL_ON_INIT_ERROR", Value = "false" }],
            SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
            Resources = Resources("50m", "64Mi", "200m", "128Mi"),
            VolumeMounts = [new V1VolumeMount { Name = "device-plugin", MountPath = "/var/lib/kubelet/device-plugins" }],
        },
        [new V1Volume { Name = "device-plugin", HostPath = new V1HostPathVolumeSource { Path = "/var/lib/kubelet/device-plugins" } }]);

    /// <summary>Only on the GPU pools' nodes.</summary>
    public static V1Affinity OnGpuPools(IReadOnlyList<PoolPlan> gpuPools) => new()
    {
        NodeAffinity = new V1NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
            {
                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = AgentPoolLabel, OperatorProperty = "In", Values = [.. gpuPools.Select(p => p.Name)] }] }],
            },
        },
    };

    /// <summary>What a node agent of the GPU pools tolerates: the pools' taints, spot, the GPU taint, critical add-ons only.</summary>
    public static List<V1Toleration> GpuTolerations(IReadOnlyList<PoolPlan> gpuPools) =>
    [
        .. gpuPools.SelectMany(p => p.Taints).Distinct().Select(Tolerate),
        Spot(),
        new V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists", Effect = "NoSchedule" },
        new V1Toleration { Key = "CriticalAddonsOnly", OperatorProperty = "Exists" },
    ];

    /// <summary>Lets managed Prometheus scrape pods in our namespace that carry the prometheus.io annotations.</summary>
    public static V1ConfigMap ScrapeSettings(DeploymentPlan plan) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Meta("ama-metrics-settings-configmap", "kube-system"),
        Data = new Dictionary<string, string>
        {
            ["schema-version"] = "v1",
            ["config-version"] = "ver1",
            ["pod-annotation-based-scraping"] = $"podannotationnamespaceregex = \"{plan.Namespace}\"",
        },
    };

    /// <summary>KEDA's Prometheus triggers authenticate as the operator's workload identity (its service account is annotated by the postprovision hook).</summary>
    public static object KedaAuthentication(DeploymentPlan plan, IdentityPlan keda) => Map(
        ("apiVersion", "keda.sh/v1alpha1"),
        ("kind", "TriggerAuthentication"),
        ("metadata", Map(("name", DeploymentConventions.PrometheusAuthentication), ("namespace", plan.Namespace), ("labels", PartOf()))),
        ("spec", Map(("podIdentity", Map(("provider", "azure-workload"), ("identityId", AzdEnvironment.Reference(keda.ClientIdVariable)))))));
}
