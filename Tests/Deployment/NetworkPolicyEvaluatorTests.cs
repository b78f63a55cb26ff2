using k8s;
using k8s.Models;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// The evaluator against the cases the Kubernetes documentation spells out (kubernetes.io/docs/concepts/services-networking/network-policies):
/// each would let a wrong policy pass if the evaluator got it wrong.
/// </summary>
public sealed class NetworkPolicyEvaluatorTests
{
    private static readonly Dictionary<string, IReadOnlyDictionary<string, string>> Namespaces = new()
    {
        ["app"] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "app" },
        ["client"] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "client", ["user"] = "alice" },
    };

    private static readonly NetworkEndpoint Server = NetworkEndpoint.Pod("server", "app", new Dictionary<string, string> { ["role"] = "db" }, new Dictionary<string, int> { ["sql"] = 5432 });
    private static readonly NetworkEndpoint ClientInItsNamespace = NetworkEndpoint.Pod("client", "client", new Dictionary<string, string> { ["role"] = "client" });
    private static readonly NetworkEndpoint OtherInItsNamespace = NetworkEndpoint.Pod("other", "client", new Dictionary<string, string> { ["role"] = "other" });
    private static readonly NetworkEndpoint ClientElsewhere = NetworkEndpoint.Pod("client", "app", new Dictionary<string, string> { ["role"] = "client" });

    private static NetworkPolicyEvaluator Engine(params string[] yaml) =>
        new([.. yaml.Select(y => KubernetesYaml.Deserialize<V1NetworkPolicy>(y))], Namespaces);

    private const string Head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: app\nspec:\n  podSelector:\n    matchLabels:\n      role: db\n";

    [Fact]
    public void OnePeerWithBothSelectors_IsAnAnd_TwoPeersAreAnOr()
    {
        var and = Engine(Head + "  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          user: alice\n      podSelector:\n        matchLabels:\n          role: client\n");
        var or = Engine(Head + "  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          user: alice\n    - podSelector:\n        matchLabels:\n          role: client\n");

        Assert.True(and.Allows(ClientInItsNamespace, Server, 5432));
        Assert.False(and.Allows(OtherInItsNamespace, Server, 5432));
        Assert.False(and.Allows(ClientElsewhere, Server, 5432));
        Assert.True(or.Allows(OtherInItsNamespace, Server, 5432));
        Assert.True(or.Allows(ClientElsewhere, Server, 5432));
    }

    [Fact]
    public void PolicyTypes_DefaultToIngress_PlusEgressOnlyWithAnEgressSection()
    {
        var ingressOnly = Engine(Head + "  ingress: []\n");
        var withEgress = Engine(Head + "  egress:\n  - ports:\n    - port: 53\n      protocol: UDP\n");
        var outside = NetworkEndpoint.Outside("somewhere", "198.51.100.1");

        Assert.False(ingressOnly.Allows(ClientInItsNamespace, Server, 5432));
        Assert.True(ingressOnly.Allows(Server, outside, 443));
        Assert.False(withEgress.Allows(Server, outside, 443));
        Assert.True(withEgress.Allows(Server, outside, 53, "UDP"));
        Assert.False(withEgress.Allows(ClientInItsNamespace, Server, 5432));
    }

    [Fact]
    public void IpBlocks_HonourTheirExceptions_AndNeverSelectPods()
    {
        var engine = Engine(Head + "  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [10.0.0.0/8]\n");

        Assert.True(engine.Allows(Server, NetworkEndpoint.Outside("public", "20.1.2.3"), 443));
        Assert.False(engine.Allows(Server, NetworkEndpoint.Outside("private", "10.1.2.3"), 443));
        Assert.False(engine.Allows(Server, ClientInItsNamespace, 443));
    }

    [Fact]
    public void NamedPorts_AreTheDestinationsContainerPorts_AndRangesIncludeTheirEnds()
    {
        var named = Engine(Head + "  ingress:\n  - ports:\n    - port: sql\n");
        var range = Engine(Head + "  ingress:\n  - ports:\n    - port: 5000\n      endPort: 5432\n");

        Assert.True(named.Allows(ClientInItsNamespace, Server, 5432));
        Assert.False(named.Allows(ClientInItsNamespace, Server, 5433));
        Assert.False(named.Allows(ClientInItsNamespace, Server, 5432, "UDP"));
        Assert.True(range.Allows(ClientInItsNamespace, Server, 5432));
        Assert.False(range.Allows(ClientInItsNamespace, Server, 5433));
    }

    [Fact]
    public void PoliciesOfAnotherNamespace_OrSelectingOtherPods_DoNotIsolate()
    {
        var engine = Engine(Head.Replace("role: db", "role: web", StringComparison.Ordinal) + "  ingress: []\n", Head.Replace("namespace: app", "namespace: client", StringComparison.Ordinal) + "  ingress: []\n");

        Assert.True(engine.Allows(ClientInItsNamespace, Server, 5432));
    }
}
