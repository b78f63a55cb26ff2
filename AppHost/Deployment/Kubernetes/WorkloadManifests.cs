using System.Globalization;
using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// The objects of any workload, service or model server: service account, Deployment, Service, disruption budget,
/// autoscaler, scheduled jobs and the HTTPRoute of its public paths. What differs by kind is the pod (<see cref="ServicePods"/>,
/// <see cref="ModelServerPods"/>); everything else follows the plan as the AppHost wrote it.
/// </summary>
internal static class WorkloadManifests
{
    public static IEnumerable<object> For(DeploymentPlan plan, WorkloadPlan workload)
    {
        yield return ServiceAccount(plan, workload);
        if (workload.Kind == WorkloadKind.Store)
        {
            yield return StorePods.PasswordProviderClass(plan, workload);
        }

        yield return Deployment(plan, workload);
        yield return Service(plan, workload);
        if (workload.Kind == WorkloadKind.ModelServer)
        {
            yield return ServerPods(plan, workload);
        }

        yield return DisruptionBudget(plan, workload);
        foreach (var scaler in Scaling(plan, workload))
        {
            yield return scaler;
        }

        foreach (var job in workload.CronJobs)
        {
            yield return CronJob(plan, workload, job);
        }

        if (workload.IngressPaths.Count > 0)
        {
            yield return GatewayManifests.Route(plan, workload);
        }
    }

    /// <summary>The main container as every kind has it: image, ports, environment, resources, a writable /tmp and nothing else writable.</summary>
    public static V1Container MainContainer(WorkloadPlan workload, List<V1VolumeMount> mounts) => new()
    {
        Name = workload.Name,
        Image = workload.Image,
        Ports = [.. workload.Ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = "TCP" })],
        Env = [.. workload.Environment.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value })],
        Resources = Resources(workload.Resources.CpuRequest, workload.Resources.MemoryRequest, workload.Resources.CpuLimit, workload.Resources.MemoryLimit, workload.Resources.Gpus),
        VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }, .. mounts],
        SecurityContext = LockedDownContainer(),
    };

    public static V1PodSpec BasePod(WorkloadPlan workload, V1Container container, List<V1Volume> volumes) => new()
    {
        ServiceAccountName = workload.Name,
        // No Kubernetes API token in any pod: none calls the API server. Workload identity mounts its own token.
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        NodeSelector = workload.Pool is { } pool ? new Dictionary<string, string> { [AgentPoolLabel] = pool.Name } : null,
        Tolerations = Tolerations(workload.Pool, workload.Resources.Gpus),
        TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = 1,
                TopologyKey = "kubernetes.io/hostname",
                WhenUnsatisfiable = "ScheduleAnyway",
                LabelSelector = new V1LabelSelector { MatchLabels = Selector(workload.Name) },
            },
        ],
        Containers = [container],
        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }, .. volumes],
    };

    private static V1ServiceAccount ServiceAccount(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload), workload.Identity is { } identity
            ? new Dictionary<string, string> { [WorkloadIdentityClientIdAnnotation] = AzdEnvironment.Reference(identity.ClientIdVariable) }
            : null),
        AutomountServiceAccountToken = false,
    };

    private static V1Deployment Deployment(DeploymentPlan plan, WorkloadPlan workload)
    {
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
            Spec = new V1DeploymentSpec
            {
                // An autoscaler owns the replica count when there is one: a count here would reset it on every deploy.
                Replicas = workload.Scaling is null ? 1 : null,
                RevisionHistoryLimit = 5,
                Selector = new V1LabelSelector { MatchLabels = Selector(workload.Name) },
                Strategy = workload.Kind switch
                {
                    WorkloadKind.Service => ServicePods.Strategy(),
                    WorkloadKind.ModelServer => ModelServerPods.Strategy(),
                    _ => StorePods.Strategy(),
                },
                Template = workload.Kind switch
                {
                    WorkloadKind.Service => ServicePods.Template(workload),
                    WorkloadKind.ModelServer => ModelServerPods.Template(workload),
                    _ => StorePods.Template(workload),
                },
            },
        };
    }

    /// <summary>Every port callers reach goes on the Service (a Service without ports is refused by the API server).</summary>
    private static V1Service Service(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
        Spec = new V1ServiceSpec
        {
            // ClusterIP only: nothing is reachable from outside except through the ingress.
            Type = "ClusterIP",
            Selector = Selector(workload.Name),
            Ports = [.. workload.Ports.Where(p => p.OnService).Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.Name, Protocol = "TCP" })],
        },
    };

    /// <summary>A model server's headless Service: its name resolves to each ready pod, so the API counts the servers.</summary>
    private static V1Service ServerPods(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(DeploymentConventions.ServerPodsName(workload.Name), plan.Namespace, Labels(workload)),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = Selector(workload.Name),
            Ports = [.. workload.Ports.Where(p => p.OnService).Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.Name, Protocol = "TCP" })],
        },
    };

    private static V1PodDisruptionBudget DisruptionBudget(DeploymentPlan plan, WorkloadPlan workload) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = Meta(workload.Name, plan.Namespace, Labels(workload)),
        Spec = workload.Kind != WorkloadKind.Service
            // Often one replica (the store always one): minAvailable would block node drains and GPU scale-down forever. The fallback serves meanwhile; the API works on without the store.
            ? new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = new V1LabelSelector { MatchLabels = Selector(workload.Name) } }
            : new V1PodDisruptionBudgetSpec { MinAvailable = 1, Selector = new V1LabelSelector { MatchLabels = Selector(workload.Name) } },
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
                    ("serverAddress", AzdEnvironment.Reference(AzdEnvironment.PrometheusQueryEndpoint)),
                    ("query", trigger.Query),
                    ("threshold", trigger.Threshold.ToString(CultureInfo.InvariantCulture)),
                    ("activationThreshold", trigger.ActivationThreshold.ToString(CultureInfo.InvariantCulture)))),
                ("authenticationRef", Map(("name", DeploymentConventions.PrometheusAuthentication)))));
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

    /// <summary>
    /// A scheduled run of the workload's image: same service account (identity), configuration, pool and locks as its
    /// pods, never two at once, bounded in time. Labelled as a service for the DNS and Azure egress policy only.
    /// </summary>
    private static V1CronJob CronJob(DeploymentPlan plan, WorkloadPlan workload, Aspire.Hosting.ApplicationModel.KubernetesCronJobAnnotation job)
    {
        var name = $"{workload.Name}-{job.Name}";
        var labels = new Dictionary<string, string>
        {
            [NameLabel] = name,
            [PartOfLabel] = DeploymentConventions.PartOf,
            [ComponentLabel] = "service",
        };
        var podLabels = new Dictionary<string, string>(labels);
        if (workload.Identity is not null)
        {
            podLabels[WorkloadIdentityUseLabel] = "true";
        }

        var pod = ServicePods.Template(workload).Spec;
        var container = pod.Containers.Single();
        container.Name = job.Name;
        container.Args = [.. job.Args];
        container.Ports = null;
        container.StartupProbe = container.ReadinessProbe = container.LivenessProbe = null;
        container.Lifecycle = null;
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
                                ServiceAccountName = pod.ServiceAccountName,
                                AutomountServiceAccountToken = false,
                                EnableServiceLinks = false,
                                RestartPolicy = "OnFailure",
                                SecurityContext = pod.SecurityContext,
                                NodeSelector = pod.NodeSelector,
                                Tolerations = pod.Tolerations,
                                Containers = [container],
                                Volumes = pod.Volumes,
                            },
                        },
                    },
                },
            },
        };
    }
}
