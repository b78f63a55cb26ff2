using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;
using static AppHost.Deployment.Kubernetes.NetworkPolicyParts;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// The public entry on the AKS app routing add-on's Gateway API implementation (GatewayClass <c>approuting-istio</c>;
/// its managed NGINX Ingress lost Azure support after November 2026, learn.microsoft.com
/// azure/aks/app-routing-nginx-to-gateway-api-migration). One Gateway in a namespace of its own: an HTTPS listener for
/// the public host, its certificate synced from Key Vault by the add-on's operator (the listener's
/// <c>kubernetes.azure.com/tls-cert-keyvault-uri</c> and <c>-service-account</c> TLS options, azure/aks
/// app-routing-gateway-api-dns-tls), and an HTTP listener that only redirects. Each workload with public paths attaches
/// an HTTPRoute from its own namespace. Only standard-channel fields: AKS installs the standard CRDs and refuses the
/// experimental ones (azure/aks managed-gateway-api).
/// </summary>
internal static class GatewayManifests
{
    public static IEnumerable<object> Gateway(DeploymentPlan plan, IdentityPlan identity)
    {
        var host = AzdEnvironment.Reference(AzdEnvironment.WebHostName);
        // Routes may attach from the workloads' namespace only.
        var fromWorkloads = Map(("namespaces", Map(("from", "Selector"), ("selector", Map(("matchLabels", Map(("kubernetes.io/metadata.name", plan.Namespace))))))));
        yield return new V1ServiceAccount
        {
            ApiVersion = "v1",
            Kind = "ServiceAccount",
            Metadata = Meta(identity.ServiceAccount, identity.Namespace, PartOf(), new Dictionary<string, string>
            {
                [WorkloadIdentityClientIdAnnotation] = AzdEnvironment.Reference(identity.ClientIdVariable),
            }),
            AutomountServiceAccountToken = false,
        };
        yield return Map(
            ("apiVersion", "gateway.networking.k8s.io/v1"),
            ("kind", "Gateway"),
            ("metadata", Map(("name", DeploymentConventions.GatewayName), ("namespace", DeploymentConventions.GatewayNamespace), ("labels", PartOf()))),
            ("spec", Map(
                ("gatewayClassName", DeploymentConventions.GatewayClass),
                ("listeners", new object[]
                {
                    Map(
                        ("name", DeploymentConventions.HttpsListener),
                        ("protocol", "HTTPS"),
                        ("port", DeploymentConventions.HttpsListenerPort),
                        ("hostname", host),
                        ("tls", Map(("mode", "Terminate"), ("options", Map(
                            ("kubernetes.azure.com/tls-cert-keyvault-uri", AzdEnvironment.Reference(AzdEnvironment.WebTlsCertificateUri)),
                            ("kubernetes.azure.com/tls-cert-service-account", identity.ServiceAccount))))),
                        ("allowedRoutes", fromWorkloads)),
                    Map(
                        ("name", DeploymentConventions.HttpListener),
                        ("protocol", "HTTP"),
                        ("port", DeploymentConventions.HttpListenerPort),
                        ("hostname", host),
                        ("allowedRoutes", Map(("namespaces", Map(("from", "Same")))))),
                }))));

        // Plain HTTP only ever redirects.
        yield return Map(
            ("apiVersion", "gateway.networking.k8s.io/v1"),
            ("kind", "HTTPRoute"),
            ("metadata", Map(("name", "https-redirect"), ("namespace", DeploymentConventions.GatewayNamespace), ("labels", PartOf()))),
            ("spec", Map(
                ("parentRefs", new object[] { ParentRef(DeploymentConventions.HttpListener) }),
                ("hostnames", new object[] { host }),
                ("rules", new object[]
                {
                    Map(("filters", new object[] { Map(("type", "RequestRedirect"), ("requestRedirect", Map(("scheme", "https"), ("statusCode", 301)))) })),
                }))));
    }

    /// <summary>
    /// The label Istio's gateway controller puts on the proxy pods it runs for a Gateway: the Gateway's name
    /// (istio/istio manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml, the Deployment's template).
    /// </summary>
    public const string ProxyPodLabel = "gateway.networking.k8s.io/gateway-name";

    /// <summary>
    /// Ports of that proxy besides the listeners (the same template): 15021 answers the readiness probe and, as the
    /// Service's status port, the load balancer's health probe; 15020 serves the merged Prometheus metrics its pod
    /// annotations advertise. It fetches its configuration and certificates from istiod on 15012 (its <c>CA_ADDR</c>).
    /// </summary>
    private const int StatusPort = 15021;
    private const int MetricsPort = 15020;
    private const int IstiodXdsPort = 15012;

    /// <summary>The Gateway's proxy pods, within its namespace.</summary>
    private static V1LabelSelector ProxySelector() => Labelled(ProxyPodLabel, DeploymentConventions.GatewayName);

    /// <summary>The Gateway's proxy pods, wherever a policy names them from.</summary>
    public static V1NetworkPolicyPeer ProxyPods() => new()
    {
        NamespaceSelector = NamespaceNamed(DeploymentConventions.GatewayNamespace),
        PodSelector = ProxySelector(),
    };

    /// <summary>
    /// The Gateway's namespace denies everything by default (issue 30, finding 15): the proxy pods the add-on runs
    /// there may be reached on the listeners and the status port from anywhere (the internet, through the load
    /// balancer), and on the metrics port from kube-system (managed Prometheus); they may send only name lookups,
    /// istiod's configuration stream, and requests to the workloads with public paths on their service ports. No other
    /// pod there sends or receives anything.
    /// </summary>
    public static IEnumerable<V1NetworkPolicy> Isolation(DeploymentPlan plan)
    {
        var ns = DeploymentConventions.GatewayNamespace;
        yield return DefaultDeny(ns);
        var publicWorkloads = plan.Workloads.Where(w => w.IngressPaths.Count > 0).ToList();
        yield return Policy("gateway-proxy", ns, ProxySelector(), ["Ingress", "Egress"],
            ingress:
            [
                new V1NetworkPolicyIngressRule { Ports = [Tcp(DeploymentConventions.HttpsListenerPort), Tcp(DeploymentConventions.HttpListenerPort), Tcp(StatusPort)] },
                new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed("kube-system") }], Ports = [Tcp(MetricsPort)] },
            ],
            egress:
            [
                DnsEgress(),
                // istiod's namespace belongs to the add-on (and moves with its revisions): any namespace, istiod's pods only.
                new V1NetworkPolicyEgressRule
                {
                    To = [new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector(), PodSelector = Labelled("app", "istiod") }],
                    Ports = [Tcp(IstiodXdsPort)],
                },
                .. publicWorkloads.Select(w => new V1NetworkPolicyEgressRule
                {
                    To = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed(plan.Namespace), PodSelector = new V1LabelSelector { MatchLabels = Selector(w.Name) } }],
                    Ports = [Tcp(w.ServicePort.Port)],
                }),
            ]);
    }

    /// <summary>
    /// A workload's public paths on the HTTPS listener. Replies stream for minutes (SSE; the web's circuit is a
    /// WebSocket), so the request timeout is long; Envoy streams responses as they come, with no buffering to turn off.
    /// Blazor needs no affinity: its circuit is one WebSocket, opened without a negotiate round trip (Web/Components/App.razor).
    /// </summary>
    public static object Route(DeploymentPlan plan, WorkloadPlan workload) => Map(
        ("apiVersion", "gateway.networking.k8s.io/v1"),
        ("kind", "HTTPRoute"),
        ("metadata", Map(("name", workload.Name), ("namespace", plan.Namespace), ("labels", Labels(workload)))),
        ("spec", Map(
            ("parentRefs", new object[] { ParentRef(DeploymentConventions.HttpsListener) }),
            ("hostnames", new object[] { AzdEnvironment.Reference(AzdEnvironment.WebHostName) }),
            ("rules", new object[]
            {
                Map(
                    ("matches", workload.IngressPaths.Select(path => (object)Map(("path", Map(("type", "PathPrefix"), ("value", path))))).ToArray()),
                    ("backendRefs", new object[] { Map(("name", workload.Name), ("port", workload.ServicePort.Port)) }),
                    ("timeouts", Map(("request", DeploymentConventions.StreamingRequestTimeout)))),
            }))));

    private static Dictionary<string, object> ParentRef(string listener) => Map(
        ("group", "gateway.networking.k8s.io"),
        ("kind", "Gateway"),
        ("name", DeploymentConventions.GatewayName),
        ("namespace", DeploymentConventions.GatewayNamespace),
        ("sectionName", listener));
}
