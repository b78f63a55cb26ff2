using k8s;
using k8s.Models;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// Who may connect to whom once the generated NetworkPolicies are applied (issue 30, finding 15), evaluated as the
/// cluster's engine evaluates them (<see cref="NetworkPolicyEvaluator"/>) over the pods the manifests run and the pods
/// AKS and its add-ons run beside them, each with the labels their own manifests give them.
/// </summary>
public sealed class NetworkReachTests(GeneratedDeployment generated) : IClassFixture<GeneratedDeployment>
{
    private const string Workloads = "llmchat";
    private const string GatewayNamespace = "llmchat-gateway";

    // The Gateway's proxy, as Istio's gateway controller runs it for the Gateway "llmchat" of class "approuting-istio"
    // (istio/istio manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml: the Deployment's name is the
    // Gateway's and the class's, its template's labels and container ports these).
    private static readonly NetworkEndpoint GatewayProxy = NetworkEndpoint.Pod("llmchat-approuting-istio", GatewayNamespace, new Dictionary<string, string>
    {
        ["sidecar.istio.io/inject"] = "false",
        ["service.istio.io/canonical-name"] = "llmchat-approuting-istio",
        ["service.istio.io/canonical-revision"] = "latest",
        ["gateway.networking.k8s.io/gateway-name"] = "llmchat",
        ["gateway.networking.k8s.io/gateway-class-name"] = "approuting-istio",
        ["gateway.istio.io/managed"] = "istio.io-gateway-controller",
    }, new Dictionary<string, int> { ["metrics"] = 15020, ["status-port"] = 15021, ["http-envoy-prom"] = 15090 });

    // Any other pod the add-on (or anyone) runs in the Gateway's namespace.
    private static readonly NetworkEndpoint OtherGatewayNamespacePod = NetworkEndpoint.Pod("another-pod", GatewayNamespace, new Dictionary<string, string> { ["app"] = "another-pod" });

    // istiod (Istio's istio-discovery chart labels its pods app: istiod, istio: pilot), in the managed add-on's root
    // namespace; a pod there that is not istiod.
    private static readonly NetworkEndpoint Istiod = NetworkEndpoint.Pod("istiod", "aks-istio-system", new Dictionary<string, string> { ["app"] = "istiod", ["istio"] = "pilot" });
    private static readonly NetworkEndpoint NotIstiod = NetworkEndpoint.Pod("not-istiod", "aks-istio-system", new Dictionary<string, string> { ["app"] = "not-istiod" });

    // CoreDNS (k8s-app: kube-dns) and managed Prometheus's replica (ama-metrics) in kube-system.
    private static readonly NetworkEndpoint KubeDns = NetworkEndpoint.Pod("coredns", "kube-system", new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });
    private static readonly NetworkEndpoint Prometheus = NetworkEndpoint.Pod("ama-metrics", "kube-system", new Dictionary<string, string> { ["rsName"] = "ama-metrics" });

    // A pod of another team in the same cluster.
    private static readonly NetworkEndpoint Stranger = NetworkEndpoint.Pod("stranger", "default", new Dictionary<string, string> { ["app"] = "stranger" });

    // Outside the cluster: a browser, Entra ID and Azure's public endpoints, and the cluster's own network (the node subnet).
    private static readonly NetworkEndpoint Internet = NetworkEndpoint.Outside("a browser", "203.0.113.7");
    private static readonly NetworkEndpoint Azure = NetworkEndpoint.Outside("Entra ID, Key Vault, Storage", "20.190.151.68");
    private static readonly NetworkEndpoint NodeNetwork = NetworkEndpoint.Outside("a node", "10.224.0.4");

    private IEnumerable<string> Documents => generated.Files
        .Where(f => f.Key.StartsWith("infra/k8s/", StringComparison.Ordinal))
        .SelectMany(f => f.Value.Split("\n---\n"));

    private IEnumerable<string> OfKind(string kind) => Documents.Where(d => d.Split('\n').Contains($"kind: {kind}"));

    private NetworkPolicyEvaluator Engine(Func<V1NetworkPolicy, bool>? keep = null)
    {
        var policies = OfKind("NetworkPolicy").Select(d => KubernetesYaml.Deserialize<V1NetworkPolicy>(d)).Where(keep ?? (_ => true)).ToList();
        var namespaces = OfKind("Namespace").Select(d => KubernetesYaml.Deserialize<V1Namespace>(d))
            .ToDictionary(n => n.Metadata.Name, n => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(n.Metadata.Labels) { ["kubernetes.io/metadata.name"] = n.Metadata.Name });
        foreach (var name in new[] { "kube-system", "aks-istio-system", "default" })
        {
            namespaces[name] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = name };
        }

        return new NetworkPolicyEvaluator(policies, namespaces);
    }

    /// <summary>Every pod the manifests run, with its template's labels and named ports.</summary>
    private Dictionary<string, NetworkEndpoint> Pods()
    {
        NetworkEndpoint Of(V1ObjectMeta owner, V1PodTemplateSpec template) => NetworkEndpoint.Pod(owner.Name, owner.NamespaceProperty, new Dictionary<string, string>(template.Metadata.Labels),
            template.Spec.Containers.SelectMany(c => c.Ports ?? []).Where(p => p.Name is not null).ToDictionary(p => p.Name, p => p.ContainerPort));

        return OfKind("Deployment").Select(d => KubernetesYaml.Deserialize<V1Deployment>(d)).Select(d => Of(d.Metadata, d.Spec.Template))
            .Concat(OfKind("DaemonSet").Select(d => KubernetesYaml.Deserialize<V1DaemonSet>(d)).Select(d => Of(d.Metadata, d.Spec.Template)))
            .Concat(OfKind("CronJob").Select(d => KubernetesYaml.Deserialize<V1CronJob>(d)).Select(c => Of(c.Metadata, c.Spec.JobTemplate.Spec.Template)))
            .ToDictionary(p => p.Name);
    }

    private sealed record Connection(NetworkEndpoint From, NetworkEndpoint To, int Port, string Protocol = "TCP")
    {
        public override string ToString() => $"{From} -> {To}:{Port}/{Protocol}";
    }

    private List<Connection> Needed()
    {
        var pods = Pods();
        var models = pods.Values.Where(p => p.Name.StartsWith("ollama-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(models);
        List<Connection> needed =
        [
            // The public entry: the listeners and the load balancer's health probe, from anywhere.
            new(Internet, GatewayProxy, 443), new(Internet, GatewayProxy, 80), new(Internet, GatewayProxy, 15021),
            // The proxy: its routes' backends, name lookups, its configuration from istiod; its metrics scraped.
            new(GatewayProxy, pods["api"], 8080), new(GatewayProxy, pods["web"], 8080),
            new(GatewayProxy, KubeDns, 53, "UDP"), new(GatewayProxy, KubeDns, 53),
            new(GatewayProxy, Istiod, 15012),
            new(Prometheus, GatewayProxy, 15020),
            // The workloads.
            new(pods["web"], pods["api"], 8080),
            new(pods["api"], pods["cache"], 6379),
            .. models.Select(m => new Connection(pods["api"], m, 11434)),
            new(pods["api"], Azure, 443), new(pods["web"], Azure, 443), new(pods["api-backup"], Azure, 443),
            new(pods["api"], KubeDns, 53, "UDP"), new(pods["web"], KubeDns, 53, "UDP"),
            new(Prometheus, pods["api"], 9464), new(Prometheus, pods["web"], 9464),
        ];
        if (pods.TryGetValue("dcgm-exporter", out var exporter))
        {
            needed.Add(new(Prometheus, exporter, 9400));
        }

        return needed;
    }

    private List<Connection> Forbidden()
    {
        var pods = Pods();
        var models = pods.Values.Where(p => p.Name.StartsWith("ollama-", StringComparison.Ordinal)).ToList();
        List<Connection> forbidden =
        [
            // Nothing but the proxy's listeners from outside.
            new(Internet, pods["api"], 8080), new(Internet, pods["web"], 8080), new(Internet, pods["cache"], 6379),
            new(Internet, GatewayProxy, 15020), new(Internet, GatewayProxy, 15090), new(Internet, GatewayProxy, 8080),
            new(Internet, OtherGatewayNamespacePod, 443),
            // The proxy reaches its backends and nothing else.
            new(GatewayProxy, pods["cache"], 6379), new(GatewayProxy, pods["api"], 9464),
            .. models.Select(m => new Connection(GatewayProxy, m, 11434)),
            new(GatewayProxy, Azure, 443), new(GatewayProxy, Internet, 443), new(GatewayProxy, NodeNetwork, 443),
            new(GatewayProxy, NotIstiod, 15012), new(GatewayProxy, Stranger, 8080),
            // No other pod of the Gateway's namespace sends or receives anything.
            new(OtherGatewayNamespacePod, pods["api"], 8080), new(OtherGatewayNamespacePod, pods["web"], 8080),
            new(OtherGatewayNamespacePod, Azure, 443), new(OtherGatewayNamespacePod, KubeDns, 53, "UDP"),
            new(GatewayProxy, OtherGatewayNamespacePod, 8080),
            // Another namespace's pods reach nothing of ours.
            new(Stranger, pods["api"], 8080), new(Stranger, pods["web"], 8080), new(Stranger, GatewayProxy, 15020),
            // The workloads reach only what they call.
            new(pods["web"], pods["cache"], 6379), .. models.Select(m => new Connection(pods["web"], m, 11434)),
            .. models.Select(m => new Connection(m, Azure, 443)), .. models.Select(m => new Connection(m, pods["api"], 8080)),
            new(pods["cache"], Azure, 443), new(pods["cache"], pods["api"], 8080),
            new(pods["api"], NodeNetwork, 443), new(pods["api"], Stranger, 8080),
        ];
        if (pods.TryGetValue("dcgm-exporter", out var exporter))
        {
            forbidden.Add(new(exporter, Azure, 443));
            forbidden.Add(new(Stranger, exporter, 9400));
        }

        return forbidden;
    }

    [Fact]
    public void EveryConnectionTheSystemNeeds_IsAllowed()
    {
        var engine = Engine();

        var refused = Needed().Where(c => !engine.Allows(c.From, c.To, c.Port, c.Protocol)).ToList();

        Assert.True(refused.Count == 0, "Refused, though needed:\n" + string.Join('\n', refused));
    }

    [Fact]
    public void NoOtherConnection_IsAllowed_TheGatewayNamespaceIncluded()
    {
        var engine = Engine();

        var allowed = Forbidden().Where(c => engine.Allows(c.From, c.To, c.Port, c.Protocol)).ToList();

        Assert.True(allowed.Count == 0, "Allowed, though nothing needs it:\n" + string.Join('\n', allowed));
    }

    [Fact]
    public void TheGatewayNamespace_DeniesByDefault_InBothDirections()
    {
        // Every port any pod here listens on or calls, from and to every endpoint: the proxy's allowances are the whole list.
        var pods = Pods();
        var ports = new[] { 53, 80, 443, 6379, 8080, 9400, 9464, 11434, 15012, 15020, 15021, 15090 };
        var everyone = pods.Values.Concat([GatewayProxy, OtherGatewayNamespacePod, Istiod, NotIstiod, KubeDns, Prometheus, Stranger, Internet, Azure, NodeNetwork]).ToList();
        var engine = Engine();

        var fromTheNamespace = everyone.SelectMany(to => ports.Select(port => new Connection(OtherGatewayNamespacePod, to, port))).Where(c => engine.Allows(c.From, c.To, c.Port)).ToList();
        var intoTheNamespace = everyone.SelectMany(from => ports.Select(port => new Connection(from, OtherGatewayNamespacePod, port))).Where(c => engine.Allows(c.From, c.To, c.Port)).ToList();
        var fromTheProxy = everyone.SelectMany(to => ports.Select(port => new Connection(GatewayProxy, to, port))).Where(c => engine.Allows(c.From, c.To, c.Port))
            .Select(c => $"{c.To.Name}:{c.Port}").Order(StringComparer.Ordinal).ToList();

        Assert.Empty(fromTheNamespace);
        Assert.Empty(intoTheNamespace);
        Assert.Equal(["api:8080", "coredns:53", "istiod:15012", "web:8080"], fromTheProxy);
    }

    [Fact]
    public void WithoutTheGatewayNamespacesPolicies_TheChecksAbove_FindTheHoles()
    {
        // The same evaluation with the Gateway namespace's policies removed: the forbidden list must catch it.
        var engine = Engine(p => p.Metadata.NamespaceProperty != GatewayNamespace);

        var allowed = Forbidden().Where(c => engine.Allows(c.From, c.To, c.Port, c.Protocol)).Select(c => c.ToString()).ToList();

        Assert.Contains(allowed, c => c.StartsWith($"{GatewayNamespace}/llmchat-approuting-istio -> Entra ID", StringComparison.Ordinal));
        Assert.Contains(allowed, c => c.StartsWith("a browser (203.0.113.7) -> llmchat-gateway/llmchat-approuting-istio:15020", StringComparison.Ordinal));
        Assert.Contains(allowed, c => c.StartsWith($"{GatewayNamespace}/another-pod -> Entra ID", StringComparison.Ordinal));
    }
}
