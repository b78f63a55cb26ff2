using System.Globalization;
using k8s;
using k8s.Models;

namespace AppHost.Deployment;

/// <summary>
/// The Kubernetes manifests of a <see cref="DeploymentPlan"/>, built as typed objects (the KubernetesClient models,
/// generated from the Kubernetes OpenAPI) and serialized to YAML. Values azd knows at deploy time are
/// <c>{{.Env.NAME}}</c> templates: azd fills them for its services, the postprovision hook for the cluster folder.
/// </summary>
internal static class KubernetesManifestWriter
{
    public const string ClusterFolder = "cluster";
    public const string PrometheusAuthentication = "azure-managed-prometheus";
    private const string NvidiaDevicePluginImage = "nvcr.io/nvidia/k8s-device-plugin:v0.17.3";
    private const string BusyboxImage = "docker.io/library/busybox:1.37.0";
    private const string AppRoutingNamespace = "app-routing-system";
    private const long AppUserId = 1654;
    private const long OllamaUserId = 1000;

    /// <summary>Files by path relative to <c>infra/k8s</c>.</summary>
    public static IReadOnlyDictionary<string, string> Write(DeploymentPlan plan)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [$"{ClusterFolder}/namespace.yaml"] = Yaml(Namespace(plan)),
            [$"{ClusterFolder}/network-policies.yaml"] = Yaml([.. NetworkPolicies(plan)]),
            [$"{ClusterFolder}/nvidia-device-plugin.yaml"] = Yaml(DevicePlugin(plan)),
            [$"{ClusterFolder}/prometheus-scraping.yaml"] = Yaml(ScrapeSettings(plan)),
            [$"{ClusterFolder}/keda-authentication.yaml"] = Yaml(KedaAuthentication(plan)),
        };

        foreach (var workload in plan.Workloads)
        {
            var objects = new List<object> { ServiceAccount(plan, workload), Deployment(plan, workload), Service(plan, workload), DisruptionBudget(plan, workload) };
            objects.AddRange(Scaling(plan, workload));
            objects.AddRange((workload.CronJobs ?? []).Select(job => CronJob(plan, workload, job)));
            if (workload.External)
            {
                objects.Add(Ingress(plan, workload));
            }

            var folder = workload.Kind == WorkloadKind.Project ? workload.Name : ClusterFolder;
            var file = workload.Kind == WorkloadKind.Project ? $"{folder}/{workload.Name}.yaml" : $"{folder}/{workload.Name}.yaml";
            files[file] = Yaml([.. objects]);
        }

        // Every folder is a kustomization too: `kubectl kustomize infra/k8s/<folder>` renders it, and azd can use it.
        foreach (var folder in files.Keys.Select(k => k.Split('/')[0]).Distinct(StringComparer.Ordinal).ToList())
        {
            var resources = files.Keys.Where(k => k.StartsWith(folder + "/", StringComparison.Ordinal)).Select(k => k[(folder.Length + 1)..]).ToList();
            files[$"{folder}/kustomization.yaml"] = Yaml(Map(
                ("apiVersion", "kustomize.config.k8s.io/v1beta1"),
                ("kind", "Kustomization"),
                ("resources", resources)));
        }

        return files;
    }

    private static Dictionary<string, string> Labels(WorkloadPlan workload) => new()
    {
        ["app.kubernetes.io/name"] = workload.Name,
        ["app.kubernetes.io/part-of"] = "llmchat",
        ["app.kubernetes.io/component"] = workload.Kind == WorkloadKind.Project ? "service" : "model-server",
    };

    private static Dictionary<string, string> Selector(WorkloadPlan workload) => new() { ["app.kubernetes.io/name"] = workload.Name };

    private static V1ObjectMeta Meta(string name, string? ns, IDictionary<string, string>? labels = null, IDictionary<string, string>? annotations = null) =>
        new() { Name = name, NamespaceProperty = ns, Labels = labels, Annotations = annotations };

    private static V1Namespace Namespace(DeploymentPlan plan) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = Meta(plan.Namespace, null, new Dictionary<string, string>
        {
            ["app.kubernetes.io/part-of"] = "llmchat",
            // Pod Security Admission: the restricted profile, enforced.
            ["pod-security.kubernetes.io/enforce"] = "restricted",
            ["pod-security.kubernetes.io/enforce-version"] = "latest",
        }),
    };

    private static V1ServiceAccount ServiceAccount(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload), workload.UsesWorkloadIdentity
            ? new Dictionary<string, string> { ["azure.workload.identity/client-id"] = $"{{{{.Env.{workload.IdentityClientIdVariable}}}}}" }
            : null),
        // No Kubernetes API token in any pod: none of them calls the API server. Workload identity mounts its own token.
        AutomountServiceAccountToken = false,
    };

    private static V1Deployment Deployment(DeploymentPlan plan, WorkloadPlan workload)
    {
        var isModelServer = workload.Kind == WorkloadKind.Ollama;
        var podLabels = Labels(workload);
        if (workload.UsesWorkloadIdentity)
        {
            podLabels["azure.workload.identity/use"] = "true";
        }

        var annotations = workload.Ports.Any(p => p.Name == "metrics")
            ? new Dictionary<string, string>
            {
                ["prometheus.io/scrape"] = "true",
                ["prometheus.io/port"] = DeploymentPlanner.MetricsPort.ToString(CultureInfo.InvariantCulture),
                ["prometheus.io/path"] = "/metrics",
            }
            : null;

        var volumes = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() } };
        var mounts = new List<V1VolumeMount> { new() { Name = "tmp", MountPath = "/tmp" } };
        var initContainers = new List<V1Container>();
        var environment = workload.Environment.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList();

        if (isModelServer)
        {
            // One volume per replica, filled from the model images before Ollama starts: no pull at run time, no
            // egress, and no ReadWriteOnce volume shared by replicas (which deadlocks rolling updates).
            volumes.Add(new V1Volume { Name = "models", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("40Gi") } });
            volumes.Add(new V1Volume { Name = "home", EmptyDir = new V1EmptyDirVolumeSource() });
            mounts.Add(new V1VolumeMount { Name = "models", MountPath = "/ollama/models" });
            mounts.Add(new V1VolumeMount { Name = "home", MountPath = "/home/ollama" });
            environment.AddRange(
            [
                new V1EnvVar { Name = "OLLAMA_HOST", Value = $"0.0.0.0:{DeploymentPlanner.OllamaPort}" },
                new V1EnvVar { Name = "OLLAMA_MODELS", Value = "/ollama/models" },
                new V1EnvVar { Name = "HOME", Value = "/home/ollama" },
            ]);
            foreach (var model in workload.Models)
            {
                initContainers.Add(new V1Container
                {
                    Name = "preload-" + model.Repository.Split('/')[1],
                    Image = $"{{{{.Env.AZURE_CONTAINER_REGISTRY_ENDPOINT}}}}/{model.Repository}:{workload.Image.Split(':')[^1]}",
                    Command = ["sh", "-c", "cp -a /models/. /ollama/models/"],
                    VolumeMounts = [new V1VolumeMount { Name = "models", MountPath = "/ollama/models" }],
                    Resources = Resources("100m", "64Mi", "1", "256Mi", 0),
                    SecurityContext = ContainerSecurity(),
                });
            }
        }

        var port = workload.Ports[0].Port;
        var container = new V1Container
        {
            Name = workload.Name,
            Image = workload.Image,
            Ports = [.. workload.Ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = "TCP" })],
            Env = environment,
            Resources = Resources(workload.Resources.CpuRequest, workload.Resources.MemoryRequest, workload.Resources.CpuLimit, workload.Resources.MemoryLimit, workload.Gpus),
            StartupProbe = isModelServer
                // Loading a model onto the GPU takes tens of seconds, a large one minutes: ten minutes' allowance.
                ? Probe("/", port, period: 10, failures: 60, timeout: 5)
                : Probe("/alive", port, period: 2, failures: 30, timeout: 2),
            ReadinessProbe = isModelServer ? Probe("/", port, period: 10, failures: 3, timeout: 5) : Probe("/health", port, period: 10, failures: 3, timeout: 5),
            LivenessProbe = isModelServer ? Probe("/", port, period: 20, failures: 6, timeout: 5) : Probe("/alive", port, period: 10, failures: 3, timeout: 2),
            VolumeMounts = mounts,
            SecurityContext = ContainerSecurity(),
        };

        var replicas = workload.Scaling?.MinReplicas ?? 1;
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
            Spec = new V1DeploymentSpec
            {
                Replicas = Math.Max(replicas, isModelServer ? 1 : 2),
                RevisionHistoryLimit = 5,
                Selector = new V1LabelSelector { MatchLabels = Selector(workload) },
                Strategy = isModelServer
                    // GPU pools run full: a surge pod would wait for a node that may take ten minutes.
                    ? new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "0", MaxUnavailable = "1" } }
                    : new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = "0" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = podLabels, Annotations = annotations },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = workload.Name,
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        TerminationGracePeriodSeconds = isModelServer ? 60 : 30,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = isModelServer ? OllamaUserId : AppUserId,
                            RunAsGroup = isModelServer ? OllamaUserId : AppUserId,
                            FsGroup = isModelServer ? OllamaUserId : AppUserId,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        NodeSelector = workload.Pool is { } pool ? new Dictionary<string, string> { ["kubernetes.azure.com/agentpool"] = pool.Name } : null,
                        Tolerations = Tolerations(workload),
                        TopologySpreadConstraints =
                        [
                            new V1TopologySpreadConstraint
                            {
                                MaxSkew = 1,
                                TopologyKey = "kubernetes.io/hostname",
                                WhenUnsatisfiable = "ScheduleAnyway",
                                LabelSelector = new V1LabelSelector { MatchLabels = Selector(workload) },
                            },
                        ],
                        InitContainers = initContainers.Count > 0 ? initContainers : null,
                        Containers = [container],
                        Volumes = volumes,
                    },
                },
            },
        };
    }

    /// <summary>
    /// A scheduled run of the workload's image: same service account (identity), configuration, pool and locks as its
    /// pods, never two at once, bounded in time. Labelled as a service for the DNS and Azure egress policy only.
    /// </summary>
    private static V1CronJob CronJob(DeploymentPlan plan, WorkloadPlan workload, Aspire.Hosting.ApplicationModel.KubernetesCronJobAnnotation job)
    {
        var name = $"{workload.Name}-{job.Name}";
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = name,
            ["app.kubernetes.io/part-of"] = "llmchat",
            ["app.kubernetes.io/component"] = "service",
        };
        var podLabels = new Dictionary<string, string>(labels) { ["azure.workload.identity/use"] = "true" };
        var deployment = Deployment(plan, workload).Spec.Template.Spec;
        var container = deployment.Containers.Single();
        container.Name = job.Name;
        container.Args = [.. job.Args];
        container.Ports = null;
        container.StartupProbe = container.ReadinessProbe = container.LivenessProbe = null;
        return new V1CronJob
        {
            ApiVersion = "batch/v1",
            Kind = "CronJob",
            Metadata = Meta(name, plan.Namespace, labels),
            Spec = new V1CronJobSpec
            {
                Schedule = job.Schedule,
                TimeZone = "Etc/UTC",
                ConcurrencyPolicy = "Forbid",
                SuccessfulJobsHistoryLimit = 3,
                FailedJobsHistoryLimit = 3,
                JobTemplate = new V1JobTemplateSpec
                {
                    Spec = new V1JobSpec
                    {
                        BackoffLimit = 2,
                        ActiveDeadlineSeconds = 3600,
                        Template = new V1PodTemplateSpec
                        {
                            Metadata = new V1ObjectMeta { Labels = podLabels },
                            Spec = new V1PodSpec
                            {
                                ServiceAccountName = workload.Name,
                                AutomountServiceAccountToken = false,
                                EnableServiceLinks = false,
                                RestartPolicy = "OnFailure",
                                SecurityContext = deployment.SecurityContext,
                                NodeSelector = deployment.NodeSelector,
                                Tolerations = deployment.Tolerations,
                                Containers = [container],
                                Volumes = deployment.Volumes,
                            },
                        },
                    },
                },
            },
        };
    }

    private static List<V1Toleration>? Tolerations(WorkloadPlan workload)
    {
        var tolerations = new List<V1Toleration>();
        if (workload.Pool is { } pool)
        {
            tolerations.AddRange(pool.Taints.Select(t => new V1Toleration { Key = t.Key, OperatorProperty = "Equal", Value = t.Value, Effect = t.Effect }));
            if (pool.Spot)
            {
                tolerations.Add(new V1Toleration { Key = "kubernetes.azure.com/scalesetpriority", OperatorProperty = "Equal", Value = "spot", Effect = "NoSchedule" });
            }
        }

        if (workload.Gpus > 0)
        {
            tolerations.Add(new V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists", Effect = "NoSchedule" });
        }

        return tolerations.Count > 0 ? tolerations : null;
    }

    private static V1ResourceRequirements Resources(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit, int gpus)
    {
        var limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memoryLimit) };
        var requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) };
        if (gpus > 0)
        {
            limits["nvidia.com/gpu"] = new(gpus.ToString(CultureInfo.InvariantCulture));
            requests["nvidia.com/gpu"] = new(gpus.ToString(CultureInfo.InvariantCulture));
        }

        return new V1ResourceRequirements { Requests = requests, Limits = limits };
    }

    private static V1Probe Probe(string path, int port, int period, int failures, int timeout) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = period,
        FailureThreshold = failures,
        TimeoutSeconds = timeout,
    };

    private static V1SecurityContext ContainerSecurity() => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    private static V1Service Service(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
        Spec = new V1ServiceSpec
        {
            // ClusterIP only: nothing is reachable from outside except through the ingress.
            Type = "ClusterIP",
            Selector = Selector(workload),
            Ports = [.. workload.Ports.Where(p => p.Public).Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.Name, Protocol = "TCP" })],
        },
    };

    private static V1PodDisruptionBudget DisruptionBudget(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
        Spec = workload.Kind == WorkloadKind.Ollama
            // Often one replica: minAvailable would block node drains and GPU scale-down forever. The fallback serves meanwhile.
            ? new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = new V1LabelSelector { MatchLabels = Selector(workload) } }
            : new V1PodDisruptionBudgetSpec { MinAvailable = 1, Selector = new V1LabelSelector { MatchLabels = Selector(workload) } },
    };

    private static IEnumerable<object> Scaling(DeploymentPlan plan, WorkloadPlan workload)
    {
        if (workload.Scaling is not { } scaling)
        {
            yield break;
        }

        if (scaling.PrometheusTriggers.Count == 0)
        {
            yield return new V2HorizontalPodAutoscaler
            {
                ApiVersion = "autoscaling/v2",
                Kind = "HorizontalPodAutoscaler",
                Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
                Spec = new V2HorizontalPodAutoscalerSpec
                {
                    ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = workload.Name },
                    MinReplicas = scaling.MinReplicas,
                    MaxReplicas = scaling.MaxReplicas,
                    Metrics =
                    [
                        new V2MetricSpec
                        {
                            Type = "Resource",
                            Resource = new V2ResourceMetricSource
                            {
                                Name = "cpu",
                                Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = scaling.CpuUtilizationPercent ?? 70 },
                            },
                        },
                    ],
                },
            };
            yield break;
        }

        // KEDA owns the workload's HPA when there are Prometheus triggers: CPU becomes one more trigger.
        var triggers = new List<object>();
        foreach (var trigger in scaling.PrometheusTriggers)
        {
            triggers.Add(Map(
                ("type", "prometheus"),
                ("name", trigger.Name),
                ("metadata", Map(
                    ("serverAddress", "{{.Env.AZURE_PROMETHEUS_QUERY_ENDPOINT}}"),
                    ("query", trigger.Query),
                    ("threshold", trigger.Threshold.ToString(CultureInfo.InvariantCulture)),
                    ("activationThreshold", trigger.ActivationThreshold.ToString(CultureInfo.InvariantCulture)))),
                ("authenticationRef", Map(("name", PrometheusAuthentication)))));
        }

        if (scaling.CpuUtilizationPercent is { } cpu)
        {
            triggers.Add(Map(("type", "cpu"), ("metricType", "Utilization"), ("metadata", Map(("value", cpu.ToString(CultureInfo.InvariantCulture))))));
        }

        yield return Map(
            ("apiVersion", "keda.sh/v1alpha1"),
            ("kind", "ScaledObject"),
            ("metadata", Map(("name", workload.Name), ("namespace", plan.Namespace), ("labels", Labels(workload)))),
            ("spec", Map(
                ("scaleTargetRef", Map(("apiVersion", "apps/v1"), ("kind", "Deployment"), ("name", workload.Name))),
                ("minReplicaCount", scaling.MinReplicas),
                ("maxReplicaCount", scaling.MaxReplicas),
                ("pollingInterval", 15),
                ("cooldownPeriod", 300),
                ("advanced", Map(("horizontalPodAutoscalerConfig", Map(("behavior", Map(
                    ("scaleDown", Map(("stabilizationWindowSeconds", 300), ("policies", new object[] { Map(("type", "Pods"), ("value", 1), ("periodSeconds", 120)) }))))))))),
                ("triggers", triggers))));
    }

    private static object KedaAuthentication(DeploymentPlan plan) => Map(
        ("apiVersion", "keda.sh/v1alpha1"),
        ("kind", "TriggerAuthentication"),
        ("metadata", Map(("name", PrometheusAuthentication), ("namespace", plan.Namespace), ("labels", new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "llmchat" }))),
        ("spec", Map(("podIdentity", Map(("provider", "azure-workload"), ("identityId", "{{.Env.AZURE_KEDA_IDENTITY_CLIENT_ID}}"))))));

    private static V1Ingress Ingress(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "Ingress",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload), new Dictionary<string, string>
        {
            // The app routing add-on serves the certificate from Key Vault.
            ["kubernetes.azure.com/tls-cert-keyvault-uri"] = "{{.Env.WEB_TLS_CERTIFICATE_URI}}",
            // Blazor Server keeps a circuit per browser on one pod: the cookie keeps the browser there.
            ["nginx.ingress.kubernetes.io/affinity"] = "cookie",
            ["nginx.ingress.kubernetes.io/session-cookie-name"] = "llmchat-affinity",
            ["nginx.ingress.kubernetes.io/session-cookie-secure"] = "true",
            ["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "3600",
            ["nginx.ingress.kubernetes.io/proxy-send-timeout"] = "3600",
            ["nginx.ingress.kubernetes.io/ssl-redirect"] = "true",
        }),
        Spec = new V1IngressSpec
        {
            IngressClassName = "webapprouting.kubernetes.azure.com",
            Tls = [new V1IngressTLS { Hosts = ["{{.Env.WEB_HOSTNAME}}"], SecretName = $"keyvault-{workload.Name}" }],
            Rules =
            [
                new V1IngressRule
                {
                    Host = "{{.Env.WEB_HOSTNAME}}",
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = workload.Name, Port = new V1ServiceBackendPort { Name = "http" } } } }],
                    },
                },
            ],
        },
    };

    private static IEnumerable<V1NetworkPolicy> NetworkPolicies(DeploymentPlan plan)
    {
        V1NetworkPolicy Policy(string name, V1LabelSelector selector, string[] types, List<V1NetworkPolicyIngressRule>? ingress = null, List<V1NetworkPolicyEgressRule>? egress = null) => new()
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = Meta(name, plan.Namespace, new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "llmchat" }),
            Spec = new V1NetworkPolicySpec { PodSelector = selector, PolicyTypes = types, Ingress = ingress, Egress = egress },
        };

        V1NetworkPolicyPeer Pods(string name) => new() { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = name } } };
        V1NetworkPolicyPeer InNamespace(string name) => new() { NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = name } } };
        V1NetworkPolicyPort Tcp(int port) => new() { Protocol = "TCP", Port = port };

        // Everything is denied unless a policy below allows it, in both directions.
        yield return Policy("default-deny", new V1LabelSelector(), ["Ingress", "Egress"]);

        // The services resolve names and reach Azure (Entra ID, Key Vault, Storage, Monitor) over HTTPS; the model
        // servers get neither: Ollama never needs the network after its models are preloaded.
        var services = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "service" } };
        yield return Policy("services-egress-dns-and-azure", services, ["Egress"], egress:
        [
            new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { NamespaceSelector = InNamespace("kube-system").NamespaceSelector, PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" } } }],
                Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }, Tcp(53)],
            },
            new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }],
                Ports = [Tcp(443)],
            },
        ]);

        foreach (var workload in plan.Workloads)
        {
            var selector = new V1LabelSelector { MatchLabels = Selector(workload) };
            var port = workload.Ports[0].Port;
            var ingress = new List<V1NetworkPolicyIngressRule>();
            if (workload.Callers.Count > 0)
            {
                ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [.. workload.Callers.Select(Pods)], Ports = [Tcp(port)] });
            }

            if (workload.External)
            {
                ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [InNamespace(AppRoutingNamespace)], Ports = [Tcp(port)] });
            }

            if (workload.Ports.FirstOrDefault(p => p.Name == "metrics") is { } metrics)
            {
                // Managed Prometheus scrapes from kube-system.
                ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [InNamespace("kube-system")], Ports = [Tcp(metrics.Port)] });
            }

            if (ingress.Count > 0)
            {
                yield return Policy($"{workload.Name}-ingress", selector, ["Ingress"], ingress: ingress);
            }

            var callees = plan.Workloads.Where(w => w.Callers.Contains(workload.Name)).ToList();
            if (callees.Count > 0)
            {
                yield return Policy($"{workload.Name}-egress", selector, ["Egress"], egress: [.. callees.Select(c => new V1NetworkPolicyEgressRule { To = [Pods(c.Name)], Ports = [Tcp(c.Ports[0].Port)] })]);
            }
        }
    }

    private static V1DaemonSet DevicePlugin(DeploymentPlan plan)
    {
        var gpuPools = plan.Pools.Where(p => p.IsGpu).ToList();
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "nvidia-device-plugin" };
        return new V1DaemonSet
        {
            ApiVersion = "apps/v1",
            Kind = "DaemonSet",
            Metadata = Meta("nvidia-device-plugin", "kube-system", labels),
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate" },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        PriorityClassName = "system-node-critical",
                        AutomountServiceAccountToken = false,
                        Affinity = new V1Affinity
                        {
                            NodeAffinity = new V1NodeAffinity
                            {
                                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                                {
                                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.azure.com/agentpool", OperatorProperty = "In", Values = [.. gpuPools.Select(p => p.Name)] }] }],
                                },
                            },
                        },
                        Tolerations =
                        [
                            .. gpuPools.SelectMany(p => p.Taints).Distinct().Select(t => new V1Toleration { Key = t.Key, OperatorProperty = "Equal", Value = t.Value, Effect = t.Effect }),
                            new V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists", Effect = "NoSchedule" },
                            new V1Toleration { Key = "CriticalAddonsOnly", OperatorProperty = "Exists" },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "nvidia-device-plugin",
                                Image = NvidiaDevicePluginImage,
                                Env = [new V1EnvVar { Name = "FAIL_ON_INIT_ERROR", Value = "false" }],
                                SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
                                Resources = Resources("50m", "64Mi", "200m", "128Mi", 0),
                                VolumeMounts = [new V1VolumeMount { Name = "device-plugin", MountPath = "/var/lib/kubelet/device-plugins" }],
                            },
                        ],
                        Volumes = [new V1Volume { Name = "device-plugin", HostPath = new V1HostPathVolumeSource { Path = "/var/lib/kubelet/device-plugins" } }],
                    },
                },
            },
        };
    }

    /// <summary>Lets managed Prometheus scrape pods in our namespace that carry the prometheus.io annotations.</summary>
    private static V1ConfigMap ScrapeSettings(DeploymentPlan plan) => new()
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

    private static Dictionary<string, object> Map(params (string Key, object Value)[] entries)
    {
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            map[key] = value;
        }

        return map;
    }

    private static string Yaml(params object[] objects) =>
        string.Join("---\n", objects.Select(o => KubernetesYaml.Serialize(o).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n"));
}
