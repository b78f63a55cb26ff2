using System.Text.RegularExpressions;
using k8s.Models;

namespace Tests.Deployment.Simulation;

/// <summary>
/// Rules the Kubernetes API server (and the kubelet, for images) enforces on the fields our manifests use, beyond
/// what the OpenAPI schema says: kubernetes <c>pkg/apis/core/validation</c>, <c>apps/validation</c>, the Pod
/// Security "restricted" profile, the distribution image reference grammar, and the Gateway API's CRD validations
/// (<see cref="GatewayApiRules"/>). Each returns the violations it finds, as "rule: object: what".
/// </summary>
public static partial class KubernetesApiRules
{
    /// <summary>What Go's text/template prints for a missing map key: an azd value that was not set.</summary>
    public const string GoTemplateNoValue = "<no value>";

    private static readonly string[] SystemNamespaces = ["kube-system", "default", "kube-public"];
    private static readonly string[] RestrictedVolumeTypes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    /// <summary>The GatewayClasses an AKS cluster with the app routing add-on's Gateway API implementation has.</summary>
    public static readonly IReadOnlySet<string> AksGatewayClasses = new HashSet<string>(StringComparer.Ordinal) { "approuting-istio" };

    public static IReadOnlyList<string> Check(IReadOnlyList<ClusterObject> objects, IReadOnlySet<string>? gatewayClasses = null)
    {
        var violations = new List<string>();
        void Violation(string rule, ClusterObject o, string what) => violations.Add($"{rule}: {o}: {what}");

        var pods = objects.SelectMany(o => PodTemplates(o).Select(t => (Object: o, Template: t))).ToList();
        var restricted = objects.Where(o => o.Kind == "Namespace")
            .Where(o => o.As<V1Namespace>().Metadata.Labels is { } labels && labels.TryGetValue("pod-security.kubernetes.io/enforce", out var level) && level == "restricted")
            .Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var namespaces = objects.Where(o => o.Kind == "Namespace").Select(o => o.Name).Concat(SystemNamespaces).ToHashSet(StringComparer.Ordinal);

        foreach (var o in objects)
        {
            if (o.Text.Contains("{{", StringComparison.Ordinal) || o.Text.Contains(KubernetesApiRules.GoTemplateNoValue, StringComparison.Ordinal))
            {
                Violation("rendered", o, "holds an unrendered template or a missing azd value");
            }

            var nameIsLabel = o.Kind is "Service" or "Namespace";
            if (!(nameIsLabel ? IsDns1123Label(o.Name) : IsDns1123Subdomain(o.Name)))
            {
                Violation("object-name", o, $"name '{o.Name}' is not a DNS-1123 {(nameIsLabel ? "label" : "subdomain")}");
            }

            if (o.Kind == "CronJob" && o.Name.Length > 52)
            {
                Violation("object-name", o, "a CronJob name must be at most 52 characters");
            }

            if (o.Namespace is { } ns && !namespaces.Contains(ns))
            {
                Violation("namespace-exists", o, $"namespace '{ns}' is created by nothing in the deployment");
            }

            foreach (var (key, value) in Labels(o))
            {
                if (!LabelValue().IsMatch(value) || value.Length > 63)
                {
                    Violation("label-value", o, $"label {key}='{value}' is not a valid label value");
                }
            }
        }

        foreach (var (o, template) in pods)
        {
            var spec = template.Spec;
            foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers))
            {
                if (!ImageReference().IsMatch(container.Image ?? string.Empty))
                {
                    Violation("image-reference", o, $"container {container.Name}: '{container.Image}' is not an image reference (the kubelet fails with InvalidImageName)");
                }

                foreach (var env in container.Env ?? [])
                {
                    if (!EnvName().IsMatch(env.Name))
                    {
                        Violation("env-name", o, $"container {container.Name}: '{env.Name}' is not a valid environment variable name");
                    }
                }

                CheckQuantities(container, what => Violation("resources", o, $"container {container.Name}: {what}"));
            }

            var podNamespace = o.Namespace ?? string.Empty;
            if (restricted.Contains(podNamespace))
            {
                foreach (var what in RestrictedViolations(spec))
                {
                    Violation("pod-security-restricted", o, what);
                }
            }
        }

        foreach (var o in objects.Where(o => o.Kind is "Deployment" or "DaemonSet"))
        {
            var (selector, labels) = o.Kind == "Deployment"
                ? (o.As<V1Deployment>().Spec.Selector, o.As<V1Deployment>().Spec.Template.Metadata?.Labels)
                : (o.As<V1DaemonSet>().Spec.Selector, o.As<V1DaemonSet>().Spec.Template.Metadata?.Labels);
            if (selector?.MatchLabels is not { Count: > 0 } match || !Matches(match, labels))
            {
                Violation("selector-matches-template", o, "`selector` does not match template `labels`");
            }
        }

        foreach (var o in objects.Where(o => o.Kind == "Service"))
        {
            var service = o.As<V1Service>();
            var headless = service.Spec.ClusterIP == "None";
            var ports = service.Spec.Ports ?? [];
            if (!headless && ports.Count == 0)
            {
                Violation("service-ports", o, "spec.ports: Required value (a Service that is not headless needs a port)");
            }

            if (ports.Count > 1 && ports.Any(p => string.IsNullOrEmpty(p.Name)))
            {
                Violation("service-ports", o, "spec.ports[].name: Required value when there is more than one port");
            }

            if (ports.GroupBy(p => p.Name).Any(g => g.Count() > 1))
            {
                Violation("service-ports", o, "spec.ports[].name: Duplicate value");
            }

            var selected = pods.Where(p => p.Object.Namespace == o.Namespace && service.Spec.Selector is { Count: > 0 } s && Matches(s, p.Template.Metadata?.Labels)).ToList();
            if (service.Spec.Selector is { Count: > 0 } && selected.Count == 0)
            {
                Violation("service-selects-pods", o, "its selector matches no pod the deployment creates");
            }

            foreach (var port in ports)
            {
                if (port.Port is < 1 or > 65535)
                {
                    Violation("service-ports", o, $"port {port.Port} is out of range");
                }

                if (port.TargetPort?.Value is { } target && !int.TryParse(target, out _)
                    && !selected.Any(p => p.Template.Spec.Containers.Any(c => (c.Ports ?? []).Any(cp => cp.Name == target))))
                {
                    Violation("service-ports", o, $"targetPort '{target}' names no container port of the pods it selects");
                }
            }
        }

        GatewayApiRules.Check(objects, gatewayClasses ?? AksGatewayClasses, Violation);

        return violations;
    }

    /// <summary>Pod Security Standards, "restricted" profile (kubernetes pod-security-admission policy checks).</summary>
    public static IEnumerable<string> RestrictedViolations(V1PodSpec spec)
    {
        var pod = spec.SecurityContext;
        if (spec.HostNetwork == true || spec.HostPID == true || spec.HostIPC == true)
        {
            yield return "host namespaces are forbidden";
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            var type = VolumeType(volume);
            if (!RestrictedVolumeTypes.Contains(type))
            {
                yield return $"volume {volume.Name} is of type {type}";
            }
        }

        if (pod?.RunAsUser == 0)
        {
            yield return "runAsUser=0 (root) on the pod";
        }

        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers))
        {
            var c = container.SecurityContext;
            if (c?.Privileged == true)
            {
                yield return $"container {container.Name} is privileged";
            }

            if (c?.AllowPrivilegeEscalation != false)
            {
                yield return $"container {container.Name} must set allowPrivilegeEscalation=false";
            }

            if (c?.Capabilities?.Drop?.Contains("ALL") != true)
            {
                yield return $"container {container.Name} must drop ALL capabilities";
            }

            if ((c?.Capabilities?.Add ?? []).Any(a => a != "NET_BIND_SERVICE"))
            {
                yield return $"container {container.Name} adds capabilities other than NET_BIND_SERVICE";
            }

            if ((c?.RunAsNonRoot ?? pod?.RunAsNonRoot) != true)
            {
                yield return $"container {container.Name} must run as non-root (runAsNonRoot=true on the pod or the container)";
            }

            if (c?.RunAsUser == 0)
            {
                yield return $"container {container.Name} runs as user 0";
            }

            var seccomp = c?.SeccompProfile?.Type ?? pod?.SeccompProfile?.Type;
            if (seccomp is not ("RuntimeDefault" or "Localhost"))
            {
                yield return $"container {container.Name} must use the RuntimeDefault or Localhost seccomp profile";
            }

            if ((container.Ports ?? []).Any(p => p.HostPort is > 0))
            {
                yield return $"container {container.Name} uses a host port";
            }
        }
    }

    private static void CheckQuantities(V1Container container, Action<string> violation)
    {
        var requests = container.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>();
        var limits = container.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>();
        foreach (var (name, request) in requests)
        {
            if (limits.TryGetValue(name, out var limit) && request.ToDecimal() > limit.ToDecimal())
            {
                violation($"the {name} request {request} is above its limit {limit}");
            }
        }

        if (requests.TryGetValue("nvidia.com/gpu", out var gpu) && (!limits.TryGetValue("nvidia.com/gpu", out var gpuLimit) || gpuLimit.ToDecimal() != gpu.ToDecimal()))
        {
            violation("an extended resource (nvidia.com/gpu) needs a limit equal to its request");
        }
    }

    public static IEnumerable<V1PodTemplateSpec> PodTemplates(ClusterObject o) => o.Kind switch
    {
        "Deployment" => [o.As<V1Deployment>().Spec.Template],
        "DaemonSet" => [o.As<V1DaemonSet>().Spec.Template],
        "CronJob" => [o.As<V1CronJob>().Spec.JobTemplate.Spec.Template],
        _ => [],
    };

    private static IEnumerable<KeyValuePair<string, string>> Labels(ClusterObject o)
    {
        var labels = o.Kind switch
        {
            "Deployment" => o.As<V1Deployment>().Metadata.Labels,
            "Service" => o.As<V1Service>().Metadata.Labels,
            "Namespace" => o.As<V1Namespace>().Metadata.Labels,
            _ => null,
        } ?? new Dictionary<string, string>();
        return labels.Concat(PodTemplates(o).SelectMany(t => t.Metadata?.Labels ?? new Dictionary<string, string>()));
    }

    private static bool Matches(IDictionary<string, string> selector, IDictionary<string, string>? labels) =>
        labels is not null && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    private static string VolumeType(V1Volume volume) =>
        typeof(V1Volume).GetProperties().Where(p => p.Name != nameof(V1Volume.Name) && p.GetValue(volume) is not null)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).FirstOrDefault() ?? "unknown";

    public static bool IsDns1123Label(string value) => value.Length is > 0 and <= 63 && Dns1123Label().IsMatch(value);

    public static bool IsDns1123Subdomain(string value) => value.Length is > 0 and <= 253 && value.Split('.').All(IsDns1123Label);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvName();

    // distribution/reference: [domain[:port]/]component(/component)*[:tag][@digest]
    [GeneratedRegex(@"^(?:(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")]
    private static partial Regex ImageReference();
}
