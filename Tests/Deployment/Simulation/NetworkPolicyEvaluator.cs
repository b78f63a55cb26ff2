using System.Net;
using k8s.Models;

namespace Tests.Deployment.Simulation;

/// <summary>
/// One end of a connection: a pod (a namespace, its labels, its containers' named ports) or an address outside the
/// cluster (no namespace).
/// </summary>
internal sealed record NetworkEndpoint(string Name, string? Namespace, IReadOnlyDictionary<string, string> Labels, string Address, IReadOnlyDictionary<string, int> NamedPorts)
{
    public bool IsPod => Namespace is not null;

    public static NetworkEndpoint Pod(string name, string ns, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, int>? namedPorts = null) =>
        new(name, ns, labels, "", namedPorts ?? new Dictionary<string, int>());

    public static NetworkEndpoint Outside(string name, string address) =>
        new(name, null, new Dictionary<string, string>(), address, new Dictionary<string, int>());

    public override string ToString() => IsPod ? $"{Namespace}/{Name}" : $"{Name} ({Address})";
}

/// <summary>
/// Whether the cluster lets a connection through, by the NetworkPolicies applied to it: Kubernetes' semantics
/// (kubernetes.io/docs/concepts/services-networking/network-policies, and the field docs of networking/v1
/// <c>NetworkPolicySpec</c>) as Cilium, the engine our clusters run (aks.bicep, <c>networkPolicy: 'cilium'</c>), applies them.
/// <list type="bullet">
/// <item>A pod is isolated in a direction when some policy of its namespace selects it with that direction in its
/// policy types (unset types: Ingress, plus Egress when the policy has an egress section). An isolated pod allows the
/// union of the selecting policies' rules; a pod no policy selects allows everything.</item>
/// <item>A connection needs both ends: the source's egress and the destination's ingress. An address outside the
/// cluster has no policies.</item>
/// <item>A rule without peers matches every peer; without ports, every port. A peer with a pod selector alone means pods
/// of the policy's namespace; with a namespace selector alone, every pod of the matching namespaces; with both, the
/// matching pods of the matching namespaces. Namespaces are matched on their labels (the API server gives each
/// <c>kubernetes.io/metadata.name</c>).</item>
/// <item>An <c>ipBlock</c> matches addresses outside the cluster only: Cilium's CIDR rules do not select pods (docs.cilium.io,
/// "Layer 3 Examples", CIDR based).</item>
/// <item>A port is numeric or a container port's name on the destination; the protocol defaults to TCP; <c>endPort</c>
/// makes a range.</item>
/// </list>
/// </summary>
internal sealed class NetworkPolicyEvaluator(IReadOnlyList<V1NetworkPolicy> policies, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> namespaceLabels)
{
    private const string Ingress = "Ingress";
    private const string Egress = "Egress";

    public bool Allows(NetworkEndpoint source, NetworkEndpoint destination, int port, string protocol = "TCP") =>
        Direction(source, Egress, destination, port, protocol) && Direction(destination, Ingress, source, port, protocol);

    private bool Direction(NetworkEndpoint pod, string direction, NetworkEndpoint peer, int port, string protocol)
    {
        if (!pod.IsPod)
        {
            return true;
        }

        var selecting = policies.Where(p => p.Metadata.NamespaceProperty == pod.Namespace && Matches(p.Spec.PodSelector, pod.Labels) && Types(p.Spec).Contains(direction)).ToList();
        if (selecting.Count == 0)
        {
            return true;
        }

        // The port is always the destination's: on ingress the isolated pod's own, on egress the peer's.
        var destination = direction == Ingress ? pod : peer;
        return selecting.Any(policy => direction == Ingress
            ? (policy.Spec.Ingress ?? []).Any(rule => Peers(rule.FromProperty, policy, peer) && Ports(rule.Ports, destination, port, protocol))
            : (policy.Spec.Egress ?? []).Any(rule => Peers(rule.To, policy, peer) && Ports(rule.Ports, destination, port, protocol)));
    }

    private static IList<string> Types(V1NetworkPolicySpec spec) =>
        spec.PolicyTypes is { Count: > 0 } types ? types : spec.Egress is null ? [Ingress] : [Ingress, Egress];

    private bool Peers(IList<V1NetworkPolicyPeer>? peers, V1NetworkPolicy policy, NetworkEndpoint peer) =>
        peers is null || peers.Count == 0 || peers.Any(p => Peer(p, policy.Metadata.NamespaceProperty, peer));

    private bool Peer(V1NetworkPolicyPeer selector, string policyNamespace, NetworkEndpoint peer)
    {
        if (selector.IpBlock is { } block)
        {
            return !peer.IsPod && InCidr(peer.Address, block.Cidr) && !(block.Except ?? []).Any(e => InCidr(peer.Address, e));
        }

        if (!peer.IsPod)
        {
            return false;
        }

        var namespaceMatches = selector.NamespaceSelector is { } namespaces
            ? Matches(namespaces, namespaceLabels.TryGetValue(peer.Namespace!, out var labels) ? labels : new Dictionary<string, string>())
            : peer.Namespace == policyNamespace;
        return namespaceMatches && (selector.PodSelector is null || Matches(selector.PodSelector, peer.Labels));
    }

    private static bool Ports(IList<V1NetworkPolicyPort>? ports, NetworkEndpoint destination, int port, string protocol) =>
        ports is null || ports.Count == 0 || ports.Any(p =>
        {
            if ((p.Protocol ?? "TCP") != protocol)
            {
                return false;
            }

            if (p.Port is null)
            {
                return true;
            }

            int? first = int.TryParse(p.Port.Value, out var number) ? number
                : destination.NamedPorts.TryGetValue(p.Port.Value, out var named) ? named : null;
            return first is { } from && (p.EndPort is { } to ? port >= from && port <= to : port == from);
        });

    public static bool Matches(V1LabelSelector? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
        {
            return true;
        }

        var byLabels = (selector.MatchLabels ?? new Dictionary<string, string>()).All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
        var byExpressions = (selector.MatchExpressions ?? []).All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => throw new InvalidOperationException($"unknown selector operator {e.OperatorProperty}"),
        });
        return byLabels && byExpressions;
    }

    private static bool InCidr(string address, string cidr)
    {
        var parts = cidr.Split('/');
        var network = IPAddress.Parse(parts[0]).GetAddressBytes();
        var candidate = IPAddress.Parse(address).GetAddressBytes();
        if (network.Length != candidate.Length)
        {
            return false;
        }

        var bits = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < bits; i++)
        {
            var mask = 0x80 >> (i % 8);
            if ((network[i / 8] & mask) != (candidate[i / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
