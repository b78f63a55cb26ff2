namespace AppHost.Deployment;

/// <summary>Ports, folders, labels and cluster names the generated deployment uses: defined here once.</summary>
internal static class DeploymentConventions
{
    /// <summary>The services' HTTP port in their containers (<c>ASPNETCORE_HTTP_PORTS</c>).</summary>
    public const int HttpPort = 8080;

    /// <summary>The API's Prometheus scrape port, never on a Service nor behind the ingress.</summary>
    public const int MetricsPort = 9464;

    public const int OllamaPort = 11434;

    /// <summary>The shared store's port (Redis in the cluster).</summary>
    public const int RedisPort = 6379;

    /// <summary>The user the Redis image runs as (its <c>redis</c> user).</summary>
    public const long RedisUserId = 999;

    /// <summary>
    /// The headless Service beside a model server's Service: its DNS name resolves to every ready pod, which is how the
    /// API counts the servers a backend has (its admission capacity grows as KEDA adds Ollama replicas).
    /// </summary>
    public static string ServerPodsName(string workload) => $"{workload}-pods";

    /// <summary>The manifests, by folder: one per azd service (its <c>k8s.deploymentPath</c>) and the cluster folder.</summary>
    public const string ManifestRoot = "infra/k8s";

    /// <summary>What the postprovision hook applies: namespace, policies, device plugin, model servers, KEDA objects.</summary>
    public const string ClusterFolder = "cluster";

    /// <summary>azd substitutes <c>{{.Env.NAME}}</c> only in files named so; it applies any other YAML as it is.</summary>
    public const string TemplateSuffix = ".tmpl.yaml";

    public const string PartOf = "llmchat";

    /// <summary>The AKS KEDA add-on's operator: its service account gets a workload identity to query Prometheus.</summary>
    public const string KedaIdentity = "keda";
    public const string KedaNamespace = "kube-system";
    public const string KedaServiceAccount = "keda-operator";
    public const string PrometheusAuthentication = "azure-managed-prometheus";

    /// <summary>
    /// The public entry: a Gateway of the AKS app routing add-on's Gateway API implementation (its managed NGINX lost
    /// Azure support after November 2026). It lives in a namespace of its own: the add-on runs the gateway's pods beside
    /// the Gateway, and they are not ours to hold to the workloads' Pod Security "restricted" profile.
    /// </summary>
    public const string GatewayNamespace = "llmchat-gateway";
    public const string GatewayName = "llmchat";
    public const string GatewayClass = "approuting-istio";

    /// <summary>The service account the app routing operator syncs the Key Vault certificate as (a workload identity).</summary>
    public const string GatewayIdentity = "gateway";
    public const string GatewayServiceAccount = "gateway-tls";

    /// <summary>The Gateway's listeners: HTTPS for the routes, HTTP only to redirect to HTTPS.</summary>
    public const string HttpsListener = "https";
    public const string HttpListener = "http";
    public const int HttpsListenerPort = 443;
    public const int HttpListenerPort = 80;

    /// <summary>Replies stream for minutes (SSE, the Blazor circuit's WebSocket): the longest a request may take at the Gateway.</summary>
    public const string StreamingRequestTimeout = "3600s";

    /// <summary>The system pool: add-ons only, zone-redundant, autoscaled; an upgrade surges a third of it.</summary>
    public const int SystemPoolMinCount = 2;
    public const int SystemPoolMaxCount = 3;
    public static readonly IReadOnlyList<string> SystemPoolZones = ["1", "2", "3"];
    public const string SystemPoolMaxSurge = "33%";

    /// <summary>User pools surge one node at a time (a GPU node is expensive and slow to come).</summary>
    public const string UserPoolMaxSurge = "1";

    /// <summary>Non-root users: the .NET images' <c>app</c> user and the user Ollama runs as.</summary>
    public const long AppUserId = 1654;
    public const long OllamaUserId = 1000;

    /// <summary>
    /// Seconds a service pod is given to stop: the preStop delay (<see cref="PreStopSeconds"/>), then the API's stream
    /// drain (Chat:Shutdown:DrainTimeout, 40 s) and its last saves (FinishTimeout, 10 s), with room to spare. A test
    /// checks the sum against the API's settings.
    /// </summary>
    public const long ServiceTerminationGraceSeconds = 60;

    /// <summary>On SIGTERM a pod still receives requests until the endpoints drop it: it waits this long before draining.</summary>
    public const long PreStopSeconds = 5;

    /// <summary>Seconds an Ollama pod is given to stop: its in-flight generations.</summary>
    public const long ModelServerTerminationGraceSeconds = 60;
}
