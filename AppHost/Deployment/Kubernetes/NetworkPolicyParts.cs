using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>The pieces every NetworkPolicy of the deployment is built from, named once.</summary>
internal static class NetworkPolicyParts
{
    /// <summary>The label Kubernetes gives every namespace: its name (immutable, set by the API server since 1.22).</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    public static V1NetworkPolicy Policy(string name, string ns, V1LabelSelector selector, string[] types, List<V1NetworkPolicyIngressRule>? ingress = null, List<V1NetworkPolicyEgressRule>? egress = null) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Meta(name, ns, PartOf()),
        Spec = new V1NetworkPolicySpec { PodSelector = selector, PolicyTypes = types, Ingress = ingress, Egress = egress },
    };

    /// <summary>Every pod of the namespace, in both directions, unless another policy allows it.</summary>
    public static V1NetworkPolicy DefaultDeny(string ns) => Policy("default-deny", ns, new V1LabelSelector(), ["Ingress", "Egress"]);

    public static V1NetworkPolicyPort Tcp(int port) => new() { Protocol = "TCP", Port = port };

    public static V1LabelSelector NamespaceNamed(string name) => new() { MatchLabels = new Dictionary<string, string> { [NamespaceNameLabel] = name } };

    public static V1LabelSelector Labelled(string key, string value) => new() { MatchLabels = new Dictionary<string, string> { [key] = value } };

    /// <summary>Name lookups: the cluster's DNS pods (CoreDNS, labelled <c>k8s-app: kube-dns</c> on AKS) on port 53.</summary>
    public static V1NetworkPolicyEgressRule DnsEgress() => new()
    {
        To = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed("kube-system"), PodSelector = Labelled("k8s-app", "kube-dns") }],
        Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }, Tcp(53)],
    };
}
