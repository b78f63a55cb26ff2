using k8s;
using k8s.Models;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>Each API server rule passes on what <c>azd up</c> sends, and fails on the defect it guards against, injected into that same set.</summary>
[Collection(AzdUpCollection.Name)]
public sealed class KubernetesApiRulesTests(AzdUpSimulation up)
{
    public static TheoryData<string> Defects() =>
    [
        "service-ports", "service-target-port", "image-reference", "selector-matches-template",
        "service-selects-pods", "pod-security-escalation", "pod-security-host-path", "pod-security-root", "object-name",
        "namespace-exists", "label-value", "env-name", "resources", "rendered",
        "gateway-class", "gateway-hostname", "gateway-tls-on-http", "gateway-tls-without-certificate", "gateway-listener-names",
        "app-routing-tls-versioned-uri", "app-routing-tls-account", "route-section", "route-namespace-not-admitted",
        "route-hostname", "route-backend-port", "route-redirect-with-backend", "route-path", "gateway-experimental-field",
    ];

    [Fact]
    public void Check_WhatAzdUpSends_HasNoViolation()
    {
        Assert.Empty(KubernetesApiRules.Check(up.Sh.Cluster));
    }

    [Theory]
    [MemberData(nameof(Defects))]
    public void Check_InjectedDefect_IsFound(string defect)
    {
        var (rule, cluster) = Inject(defect, up.Sh.Cluster);

        var violations = KubernetesApiRules.Check(cluster);

        Assert.Contains(violations, v => v.StartsWith(rule + ":", StringComparison.Ordinal));
    }

    private static (string Rule, IReadOnlyList<ClusterObject> Cluster) Inject(string defect, IReadOnlyList<ClusterObject> cluster) => defect switch
    {
        // The defect the generator had: only "public" ports on a Service, so Ollama's Service had none.
        "service-ports" => ("service-ports", Mutate<V1Service>(cluster, "Service", "ollama-chat", s => s.Spec.Ports = [])),
        "service-target-port" => ("service-ports", Mutate<V1Service>(cluster, "Service", "api", s => s.Spec.Ports[0].TargetPort = "web")),
        "image-reference" => ("image-reference", Mutate<V1Deployment>(cluster, "Deployment", "ollama-chat", d => d.Spec.Template.Spec.Containers[0].Image = "crx7k2p9.azurecr.io/Ollama/Ollama:0.17.1")),
        "selector-matches-template" => ("selector-matches-template", Mutate<V1Deployment>(cluster, "Deployment", "web", d => d.Spec.Template.Metadata.Labels["app.kubernetes.io/name"] = "webapp")),
        "service-selects-pods" => ("service-selects-pods", Mutate<V1Service>(cluster, "Service", "web", s => s.Spec.Selector["app.kubernetes.io/name"] = "webapp")),
        "pod-security-escalation" => ("pod-security-restricted", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = true)),
        "pod-security-host-path" => ("pod-security-restricted", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Volumes[0] = new V1Volume { Name = "tmp", HostPath = new V1HostPathVolumeSource { Path = "/tmp" } })),
        "pod-security-root" => ("pod-security-restricted", Mutate<V1Deployment>(cluster, "Deployment", "ollama-chat", d => { d.Spec.Template.Spec.SecurityContext.RunAsNonRoot = null; d.Spec.Template.Spec.InitContainers[0].SecurityContext.RunAsNonRoot = null; })),
        "object-name" => ("object-name", Mutate<V1ConfigMap>(cluster, "ConfigMap", "ama-metrics-settings-configmap", c => c.Metadata.Name = "Metrics_Settings")),
        "namespace-exists" => ("namespace-exists", Mutate<V1Service>(cluster, "Service", "web", s => s.Metadata.NamespaceProperty = "llmchats")),
        "label-value" => ("label-value", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Metadata.Labels["app.kubernetes.io/part-of"] = "llm chat")),
        "env-name" => ("env-name", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Containers[0].Env.Add(new V1EnvVar { Name = "1BAD", Value = "x" }))),
        "resources" => ("resources", Mutate<V1Deployment>(cluster, "Deployment", "web", d => d.Spec.Template.Spec.Containers[0].Resources.Requests["memory"] = new ResourceQuantity("2Gi"))),
        "rendered" => ("rendered", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Containers[0].Env[0].Value = KubernetesApiRules.GoTemplateNoValue)),
        "gateway-class" => ("gateway-class", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["gatewayClassName"] = "webapprouting.kubernetes.azure.com")),
        "gateway-hostname" => ("gateway-hostname", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![0]!["hostname"] = "https://chat.contoso.com")),
        "gateway-tls-on-http" => ("gateway-tls", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![1]!["tls"] = g["spec"]!["listeners"]![0]!["tls"]!.DeepClone())),
        "gateway-tls-without-certificate" => ("gateway-tls", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![0]!["tls"]!.AsObject().Remove("options"))),
        "gateway-listener-names" => ("gateway-listeners", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![1]!["name"] = "https")),
        "app-routing-tls-versioned-uri" => ("app-routing-tls", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![0]!["tls"]!["options"]!["kubernetes.azure.com/tls-cert-keyvault-uri"] = "https://kv-x7k2p9.vault.azure.net/certificates/web-tls/0123456789abcdef")),
        "app-routing-tls-account" => ("app-routing-tls", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![0]!["tls"]!["options"]!["kubernetes.azure.com/tls-cert-service-account"] = "web")),
        "route-section" => ("route-parent", Json(cluster, "HTTPRoute", "web", r => r["spec"]!["parentRefs"]![0]!["sectionName"] = "web")),
        "route-namespace-not-admitted" => ("route-parent", Json(cluster, "Gateway", "llmchat", g => g["spec"]!["listeners"]![0]!["allowedRoutes"]!["namespaces"]!["from"] = "Same")),
        "route-hostname" => ("route-parent", Json(cluster, "HTTPRoute", "api", r => r["spec"]!["hostnames"]![0] = "api.contoso.com")),
        "route-backend-port" => ("route-backend", Json(cluster, "HTTPRoute", "api", r => r["spec"]!["rules"]![0]!["backendRefs"]![0]!["port"] = 9464)),
        "route-redirect-with-backend" => ("route-rule", Json(cluster, "HTTPRoute", "https-redirect", r => r["spec"]!["rules"]![0]!["backendRefs"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "web", ["port"] = 8080 }))),
        "route-path" => ("route-rule", Json(cluster, "HTTPRoute", "api", r => r["spec"]!["rules"]![0]!["matches"]![0]!["path"]!["value"] = "v1")),
        "gateway-experimental-field" => ("gateway-standard-channel", Json(cluster, "HTTPRoute", "web", r => r["spec"]!["rules"]![0]!["sessionPersistence"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "Cookie", ["sessionName"] = "llmchat" })),
        _ => throw new ArgumentOutOfRangeException(nameof(defect)),
    };

    /// <summary>Changes a Gateway API object (no typed model in the Kubernetes client) as JSON, which YAML readers accept.</summary>
    private static List<ClusterObject> Json(IReadOnlyList<ClusterObject> cluster, string kind, string name, Action<System.Text.Json.Nodes.JsonNode> change)
    {
        Assert.Contains(cluster, o => o.Kind == kind && o.Name == name);
        return [.. cluster.Select(o =>
        {
            if (o.Kind != kind || o.Name != name)
            {
                return o;
            }

            var json = o.Json();
            change(json);
            return ClusterObject.Parse(o.Source, json.ToJsonString()).Single();
        })];
    }

    private static List<ClusterObject> Mutate<T>(IReadOnlyList<ClusterObject> cluster, string kind, string name, Action<T> change)
    {
        Assert.Contains(cluster, o => o.Kind == kind && o.Name == name);
        return [.. cluster.Select(o =>
        {
            if (o.Kind != kind || o.Name != name)
            {
                return o;
            }

            var typed = o.As<T>();
            change(typed);
            return ClusterObject.Parse(o.Source, KubernetesYaml.Serialize(typed)).Single();
        })];
    }
}
