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
        "service-ports", "service-target-port", "ingress-host", "ingress-backend", "image-reference", "selector-matches-template",
        "service-selects-pods", "pod-security-escalation", "pod-security-host-path", "pod-security-root", "object-name",
        "namespace-exists", "label-value", "env-name", "resources", "rendered",
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
        "service-ports" => ("service-ports", Mutate<V1Service>(cluster, "Service", "ollama", s => s.Spec.Ports = [])),
        "service-target-port" => ("service-ports", Mutate<V1Service>(cluster, "Service", "api", s => s.Spec.Ports[0].TargetPort = "web")),
        "ingress-host" => ("ingress-host", Mutate<V1Ingress>(cluster, "Ingress", "web", i => i.Spec.Rules[0].Host = "https://chat.contoso.com")),
        "ingress-backend" => ("ingress-backend", Mutate<V1Ingress>(cluster, "Ingress", "web", i => i.Spec.Rules[0].Http.Paths[0].Backend.Service.Port.Name = "https")),
        "image-reference" => ("image-reference", Mutate<V1Deployment>(cluster, "Deployment", "ollama", d => d.Spec.Template.Spec.Containers[0].Image = "crx7k2p9.azurecr.io/Ollama/Ollama:0.17.1")),
        "selector-matches-template" => ("selector-matches-template", Mutate<V1Deployment>(cluster, "Deployment", "web", d => d.Spec.Template.Metadata.Labels["app.kubernetes.io/name"] = "webapp")),
        "service-selects-pods" => ("service-selects-pods", Mutate<V1Service>(cluster, "Service", "web", s => s.Spec.Selector["app.kubernetes.io/name"] = "webapp")),
        "pod-security-escalation" => ("pod-security-restricted", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = true)),
        "pod-security-host-path" => ("pod-security-restricted", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Volumes[0] = new V1Volume { Name = "tmp", HostPath = new V1HostPathVolumeSource { Path = "/tmp" } })),
        "pod-security-root" => ("pod-security-restricted", Mutate<V1Deployment>(cluster, "Deployment", "ollama", d => { d.Spec.Template.Spec.SecurityContext.RunAsNonRoot = null; d.Spec.Template.Spec.InitContainers[0].SecurityContext.RunAsNonRoot = null; })),
        "object-name" => ("object-name", Mutate<V1ConfigMap>(cluster, "ConfigMap", "ama-metrics-settings-configmap", c => c.Metadata.Name = "Metrics_Settings")),
        "namespace-exists" => ("namespace-exists", Mutate<V1Service>(cluster, "Service", "web", s => s.Metadata.NamespaceProperty = "llmchats")),
        "label-value" => ("label-value", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Metadata.Labels["app.kubernetes.io/part-of"] = "llm chat")),
        "env-name" => ("env-name", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Containers[0].Env.Add(new V1EnvVar { Name = "1BAD", Value = "x" }))),
        "resources" => ("resources", Mutate<V1Deployment>(cluster, "Deployment", "web", d => d.Spec.Template.Spec.Containers[0].Resources.Requests["memory"] = new ResourceQuantity("2Gi"))),
        "rendered" => ("rendered", Mutate<V1Deployment>(cluster, "Deployment", "api", d => d.Spec.Template.Spec.Containers[0].Env[0].Value = KubernetesApiRules.GoTemplateNoValue)),
        _ => throw new ArgumentOutOfRangeException(nameof(defect)),
    };

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
