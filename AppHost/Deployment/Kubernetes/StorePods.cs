using System.Globalization;
using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// The pod of the shared store: the official Redis image as its own user, in memory only (no snapshots, no append
/// log: everything it holds lapses within minutes, and the API works on without it), memory capped below the pod's
/// limit with the keys nearest their expiry evicted first. Only the API's pods reach it (network policy), and every
/// connection must authenticate: the password is the vault secret the API reads, mounted by the Secrets Store CSI
/// driver as the store's own identity and written into a config file in memory, never into the pod's spec or a
/// Kubernetes Secret.
/// </summary>
internal static class StorePods
{
    private const string DataPath = "/data";
    private const string PasswordPath = "/mnt/store-password";
    private const string PasswordFile = "password";
    private const string ConfigPath = "/run/store";

    /// <summary>One replica with state in memory: the old pod goes before the new one starts (the API rides out the gap).</summary>
    public static V1DeploymentStrategy Strategy() => new() { Type = "Recreate" };

    /// <summary>The name of the SecretProviderClass that mounts a store's password.</summary>
    public static string PasswordClass(WorkloadPlan workload) => $"{workload.Name}-password";

    public static V1PodTemplateSpec Template(WorkloadPlan workload)
    {
        var container = WorkloadManifests.MainContainer(workload,
        [
            new V1VolumeMount { Name = "data", MountPath = DataPath },
            new V1VolumeMount { Name = "password", MountPath = PasswordPath, ReadOnlyProperty = true },
            new V1VolumeMount { Name = "config", MountPath = ConfigPath },
        ]);
        var port = workload.ServicePort.Port;
        string[] options =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--dir", DataPath,
            "--save", "''",
            "--appendonly", "no",
            "--maxmemory", "384mb",
            "--maxmemory-policy", "volatile-ttl",
        ];

        // redis-server reads its password from a config file (`requirepass`), so the password never shows in the
        // process's arguments; the file lives in a memory-backed volume readable by the store's user alone.
        container.Command = ["/bin/sh", "-c"];
        container.Args =
        [
            $"umask 077 && printf 'requirepass \"%s\"\\n' \"$(cat {PasswordPath}/{PasswordFile})\" > {ConfigPath}/redis.conf && exec redis-server {ConfigPath}/redis.conf {string.Join(' ', options)}",
        ];
        var probe = new V1TCPSocketAction { Port = port };
        container.ReadinessProbe = new V1Probe { TcpSocket = probe, PeriodSeconds = 5, FailureThreshold = 3, TimeoutSeconds = 2 };
        container.LivenessProbe = new V1Probe { TcpSocket = probe, PeriodSeconds = 10, FailureThreshold = 6, TimeoutSeconds = 2 };

        var pod = WorkloadManifests.BasePod(workload, container,
        [
            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } },
            new V1Volume
            {
                Name = "password",
                Csi = new V1CSIVolumeSource
                {
                    Driver = SecretsStoreDriver,
                    ReadOnlyProperty = true,
                    VolumeAttributes = new Dictionary<string, string> { ["secretProviderClass"] = PasswordClass(workload) },
                },
            },
            new V1Volume { Name = "config", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Mi") } },
        ]);
        pod.SecurityContext = NonRootPod(DeploymentConventions.RedisUserId);
        var labels = Labels(workload);
        labels[WorkloadIdentityUseLabel] = "true";
        return new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = pod };
    }

    /// <summary>
    /// The SecretProviderClass of the store's password (the AKS add-on <c>azureKeyvaultSecretsProvider</c> installs
    /// its CRD): the vault secret, read with the store's workload identity (clientID), mounted as one file.
    /// </summary>
    public static object PasswordProviderClass(DeploymentPlan plan, WorkloadPlan workload)
    {
        var identity = workload.Identity ?? throw new InvalidOperationException($"The store '{workload.Name}' has no identity to read its password with.");
        var secret = workload.PasswordSecret ?? throw new InvalidOperationException($"The store '{workload.Name}' has no password secret.");
        return Map(
            ("apiVersion", "secrets-store.csi.x-k8s.io/v1"),
            ("kind", "SecretProviderClass"),
            ("metadata", Map(("name", PasswordClass(workload)), ("namespace", plan.Namespace), ("labels", Labels(workload)))),
            ("spec", Map(
                ("provider", "azure"),
                ("parameters", Map(
                    ("usePodIdentity", "false"),
                    ("clientID", AzdEnvironment.Reference(identity.ClientIdVariable)),
                    ("keyvaultName", AzdEnvironment.Reference(AzdEnvironment.KeyVaultName)),
                    ("tenantId", AzdEnvironment.Reference(AzdEnvironment.TenantId)),
                    ("objects", $"array:\n  - |\n    objectName: {secret}\n    objectType: secret\n    objectAlias: {PasswordFile}\n"))))));
    }
}
