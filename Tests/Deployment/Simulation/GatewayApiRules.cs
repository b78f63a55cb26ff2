using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>
/// The rules the API server and the Gateway implementation enforce on the Gateway API objects we use, beyond the
/// OpenAPI schema (which the offline validator checks with @kubernetes-models/gateway-api): the CRDs' CEL validations
/// (gateway-api <c>apis/v1</c>, <c>x-kubernetes-validations</c> on Listener, GatewayTLSConfig, HTTPRouteRule,
/// HTTPBackendRef, HTTPPathMatch), route attachment as the Gateway API spec defines it (parentRef, sectionName,
/// allowedRoutes, hostname intersection), AKS's choices (its Managed Gateway API installs the standard channel only,
/// azure/aks managed-gateway-api; the app routing add-on's class is approuting-istio), and the app routing operator's
/// TLS options (azure/aks app-routing-gateway-api-dns-tls).
/// </summary>
public static class GatewayApiRules
{
    // Fields and filter types the experimental channel adds; the standard CRDs AKS installs reject them (kubectl's
    // strict field validation refuses an unknown field).
    private static readonly string[] ExperimentalRuleFields = ["sessionPersistence", "retry"];
    private static readonly string[] ExperimentalFilters = ["CORS", "ExternalAuth"];

    public static void Check(IReadOnlyList<ClusterObject> objects, IReadOnlySet<string> gatewayClasses, Action<string, ClusterObject, string> violation)
    {
        var gateways = objects.Where(o => o.Kind == "Gateway").Select(o => (Object: o, Json: o.Json())).ToList();
        var services = objects.Where(o => o.Kind == "Service").ToList();
        var namespaces = objects.Where(o => o.Kind == "Namespace").Select(o => o.Name).Concat(["default", "kube-system"]).ToHashSet(StringComparer.Ordinal);

        foreach (var (o, gateway) in gateways)
        {
            var spec = gateway["spec"]!;
            if (!gatewayClasses.Contains(spec["gatewayClassName"]?.GetValue<string>() ?? string.Empty))
            {
                violation("gateway-class", o, $"GatewayClass '{spec["gatewayClassName"]}' does not exist on the cluster (it has: {string.Join(", ", gatewayClasses)}): the Gateway is never programmed");
            }

            var listeners = spec["listeners"]?.AsArray().Select(l => l!).ToList() ?? [];
            foreach (var duplicate in listeners.GroupBy(l => l["name"]?.GetValue<string>()).Where(g => g.Count() > 1))
            {
                violation("gateway-listeners", o, $"listener name '{duplicate.Key}' is not unique");
            }

            foreach (var duplicate in listeners.GroupBy(l => $"{l["port"]}/{l["protocol"]}/{l["hostname"]}").Where(g => g.Count() > 1))
            {
                violation("gateway-listeners", o, $"port, protocol and hostname {duplicate.Key} must be unique per listener");
            }

            foreach (var listener in listeners)
            {
                var name = listener["name"]?.GetValue<string>();
                var protocol = listener["protocol"]?.GetValue<string>();
                var hostname = listener["hostname"]?.GetValue<string>();
                if (hostname is not null && (!KubernetesApiRules.IsDns1123Subdomain(hostname.StartsWith("*.", StringComparison.Ordinal) ? hostname[2..] : hostname) || System.Net.IPAddress.TryParse(hostname, out _)))
                {
                    violation("gateway-hostname", o, $"listener {name}: hostname '{hostname}' must be a DNS name, not an IP");
                }

                var tls = listener["tls"];
                if (protocol is "HTTP" or "TCP" or "UDP" && tls is not null)
                {
                    violation("gateway-tls", o, $"listener {name}: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
                }

                if (protocol is "HTTPS" && tls is null)
                {
                    violation("gateway-tls", o, $"listener {name}: tls mode must be set for protocol HTTPS");
                }

                if (tls is not null && (tls["mode"]?.GetValue<string>() ?? "Terminate") == "Terminate"
                    && (tls["certificateRefs"]?.AsArray().Count ?? 0) == 0 && (tls["options"]?.AsObject().Count ?? 0) == 0)
                {
                    violation("gateway-tls", o, $"listener {name}: certificateRefs or options must be specified when mode is Terminate");
                }

                if (tls?["options"] is JsonObject options && options.ContainsKey("kubernetes.azure.com/tls-cert-keyvault-uri"))
                {
                    AppRoutingTls(objects, o, name, options, violation);
                }
            }
        }

        foreach (var o in objects.Where(o => o.Kind == "HTTPRoute"))
        {
            var route = o.Json();
            var spec = route["spec"]!;
            var routeNamespace = o.Namespace ?? "default";
            var hostnames = spec["hostnames"]?.AsArray().Select(h => h!.GetValue<string>()).ToList() ?? [];
            foreach (var parent in spec["parentRefs"]?.AsArray().Select(p => p!) ?? [])
            {
                var gatewayNamespace = parent["namespace"]?.GetValue<string>() ?? routeNamespace;
                var gateway = gateways.FirstOrDefault(g => g.Object.Name == parent["name"]?.GetValue<string>() && (g.Object.Namespace ?? "default") == gatewayNamespace);
                if (gateway.Object is null)
                {
                    violation("route-parent", o, $"parentRef Gateway {gatewayNamespace}/{parent["name"]} is not in the deployment: the route is never attached");
                    continue;
                }

                var section = parent["sectionName"]?.GetValue<string>();
                var listeners = gateway.Json["spec"]!["listeners"]!.AsArray().Select(l => l!).Where(l => section is null || l["name"]?.GetValue<string>() == section).ToList();
                if (listeners.Count == 0)
                {
                    violation("route-parent", o, $"sectionName '{section}' names no listener of Gateway {gatewayNamespace}/{gateway.Object.Name}");
                    continue;
                }

                foreach (var listener in listeners)
                {
                    var from = listener["allowedRoutes"]?["namespaces"]?["from"]?.GetValue<string>() ?? "Same";
                    var admitted = from switch
                    {
                        "All" => true,
                        "Same" => routeNamespace == gatewayNamespace,
                        // The API server labels every namespace with kubernetes.io/metadata.name.
                        "Selector" => listener["allowedRoutes"]!["namespaces"]!["selector"]?["matchLabels"]?.AsObject()
                            .All(l => l.Key == "kubernetes.io/metadata.name" && l.Value!.GetValue<string>() == routeNamespace) == true,
                        _ => false,
                    };
                    if (!admitted)
                    {
                        violation("route-parent", o, $"listener {listener["name"]} of {gatewayNamespace}/{gateway.Object.Name} does not admit routes from namespace {routeNamespace} (allowedRoutes {from})");
                    }

                    var listenerHost = listener["hostname"]?.GetValue<string>();
                    if (listenerHost is not null && hostnames.Count > 0 && !hostnames.Any(h => h == listenerHost || (listenerHost.StartsWith("*.", StringComparison.Ordinal) && h.EndsWith(listenerHost[1..], StringComparison.Ordinal))))
                    {
                        violation("route-parent", o, $"hostnames [{string.Join(", ", hostnames)}] do not intersect listener {listener["name"]}'s hostname {listenerHost}: the route is not accepted");
                    }
                }
            }

            foreach (var rule in spec["rules"]?.AsArray().Select(r => r!) ?? [])
            {
                foreach (var field in ExperimentalRuleFields.Where(f => rule[f] is not null))
                {
                    violation("gateway-standard-channel", o, $"rules[].{field} exists only in the experimental channel; AKS installs the standard CRDs");
                }

                var filters = rule["filters"]?.AsArray().Select(f => f!["type"]!.GetValue<string>()).ToList() ?? [];
                foreach (var filter in filters.Where(ExperimentalFilters.Contains))
                {
                    violation("gateway-standard-channel", o, $"filter type {filter} exists only in the experimental channel");
                }

                var backends = rule["backendRefs"]?.AsArray().Select(b => b!).ToList() ?? [];
                if (filters.Contains("RequestRedirect") && backends.Count > 0)
                {
                    violation("route-rule", o, "RequestRedirect filter must not be used together with backendRefs");
                }

                foreach (var match in rule["matches"]?.AsArray().Select(m => m!["path"]).Where(p => p is not null) ?? [])
                {
                    var value = match!["value"]?.GetValue<string>() ?? "/";
                    if (match["type"]?.GetValue<string>() is "PathPrefix" or "Exact" && (!value.StartsWith('/') || value.Contains("//", StringComparison.Ordinal)))
                    {
                        violation("route-rule", o, $"path '{value}' must be an absolute path starting with '/', without '//'");
                    }
                }

                foreach (var backend in backends.Where(b => (b["kind"]?.GetValue<string>() ?? "Service") == "Service"))
                {
                    var port = backend["port"]?.GetValue<int?>();
                    var service = services.FirstOrDefault(s => s.Name == backend["name"]?.GetValue<string>() && s.Namespace == (backend["namespace"]?.GetValue<string>() ?? routeNamespace));
                    if (port is null)
                    {
                        violation("route-backend", o, $"backendRef {backend["name"]}: Must have port for Service reference");
                    }
                    else if (service is null || !(service.As<k8s.Models.V1Service>().Spec.Ports ?? []).Any(p => p.Port == port))
                    {
                        violation("route-backend", o, $"backendRef {backend["name"]}:{port} is no port of a Service in namespace {routeNamespace} (ResolvedRefs=False, BackendNotFound)");
                    }
                }
            }

            if (!namespaces.Contains(routeNamespace))
            {
                violation("namespace-exists", o, $"namespace '{routeNamespace}' is created by nothing in the deployment");
            }
        }
    }

    /// <summary>
    /// The app routing operator syncs the certificate as the named service account: it must be in the Gateway's
    /// namespace with a workload identity, and the URI must be a versionless Key Vault certificate URI (a versioned one
    /// pins the Gateway to one certificate and misses renewals).
    /// </summary>
    private static void AppRoutingTls(IReadOnlyList<ClusterObject> objects, ClusterObject gateway, string? listener, JsonObject options, Action<string, ClusterObject, string> violation)
    {
        var uri = options["kubernetes.azure.com/tls-cert-keyvault-uri"]?.GetValue<string>() ?? string.Empty;
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.Host.EndsWith(".vault.azure.net", StringComparison.Ordinal) || parsed.Segments is not ["/", "certificates/", _])
        {
            violation("app-routing-tls", gateway, $"listener {listener}: '{uri}' is not a versionless Key Vault certificate URI");
        }

        var accountName = options["kubernetes.azure.com/tls-cert-service-account"]?.GetValue<string>();
        var account = objects.FirstOrDefault(a => a.Kind == "ServiceAccount" && a.Name == accountName && a.Namespace == gateway.Namespace);
        if (account is null)
        {
            violation("app-routing-tls", gateway, $"listener {listener}: service account '{accountName}' is not in the Gateway's namespace {gateway.Namespace}");
        }
        else if (account.As<k8s.Models.V1ServiceAccount>().Metadata.Annotations?.ContainsKey("azure.workload.identity/client-id") != true)
        {
            violation("app-routing-tls", gateway, $"listener {listener}: service account '{accountName}' has no workload identity (azure.workload.identity/client-id)");
        }
    }
}
