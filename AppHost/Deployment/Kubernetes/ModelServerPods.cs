using System.Globalization;
using k8s.Models;
using static AppHost.Deployment.Kubernetes.KubernetesObjects;

namespace AppHost.Deployment.Kubernetes;

/// <summary>
/// The pod of an Ollama server: models copied from model images by init containers into a volume of its own (no
/// pull at run time, no egress, no ReadWriteOnce volume shared by replicas, which deadlocks rolling updates),
/// Ollama's own user, and probes that allow minutes for a model to load onto the GPU.
/// </summary>
internal static class ModelServerPods
{
    private const string ModelsPath = "/ollama/models";
    private const string HomePath = "/home/ollama";

    /// <summary>GPU pools run full: a surge pod would wait for a node that may take ten minutes.</summary>
    public static V1DeploymentStrategy Strategy() =>
        new() { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "0", MaxUnavailable = "1" } };

    public static V1PodTemplateSpec Template(WorkloadPlan workload)
    {
        var container = WorkloadManifests.MainContainer(workload,
        [
            new V1VolumeMount { Name = "models", MountPath = ModelsPath },
            new V1VolumeMount { Name = "home", MountPath = HomePath },
        ]);
        container.Env =
        [
            .. container.Env,
            new V1EnvVar { Name = "OLLAMA_HOST", Value = $"0.0.0.0:{workload.ServicePort.Port.ToString(CultureInfo.InvariantCulture)}" },
            new V1EnvVar { Name = "OLLAMA_MODELS", Value = ModelsPath },
            new V1EnvVar { Name = "HOME", Value = HomePath },
        ];
        var port = workload.ServicePort.Port;
        // Loading a model onto the GPU takes tens of seconds, a large one minutes: ten minutes' allowance.
        container.StartupProbe = HttpProbe("/", port, period: 10, failures: 60, timeout: 5);
        container.ReadinessProbe = HttpProbe("/", port, period: 10, failures: 3, timeout: 5);
        container.LivenessProbe = HttpProbe("/", port, period: 20, failures: 6, timeout: 5);
        // Warm-up: each model is loaded onto the GPU before the pod is Ready (a container is not Running, and not
        // probed, until its postStart hook ends), so neither a deploy nor a KEDA scale-out hands a user the 20-36 s of a
        // cold load. `ollama run <model> ""` loads a model without generating (Ollama's FAQ); OLLAMA_KEEP_ALIVE=-1 keeps
        // it loaded. A failed warm-up must not kill the container: the first request then loads the model.
        container.Lifecycle = new V1Lifecycle
        {
            PostStart = new V1LifecycleHandler
            {
                Exec = new V1ExecAction
                {
                    Command = ["sh", "-c", WarmUp(workload)],
                },
            },
        };

        var pod = WorkloadManifests.BasePod(workload, container,
        [
            new V1Volume { Name = "models", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("40Gi") } },
            new V1Volume { Name = "home", EmptyDir = new V1EmptyDirVolumeSource() },
        ]);
        pod.TerminationGracePeriodSeconds = DeploymentConventions.ModelServerTerminationGraceSeconds;
        pod.SecurityContext = NonRootPod(DeploymentConventions.OllamaUserId);
        pod.InitContainers = [.. workload.Models.Select(Preload)];
        return new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels(workload) }, Spec = pod };
    }

    /// <summary>Waits for the server to answer, then loads every model of this server; never fails the container.</summary>
    public static string WarmUp(WorkloadPlan workload) =>
        "for i in $(seq 1 120); do ollama list >/dev/null 2>&1 && break; sleep 1; done; "
        + string.Concat(workload.Models.Select(m => $"ollama run {m.Model} \"\" >/dev/null 2>&1; ")) + "true";

    private static V1Container Preload(ModelPlan model) => new()
    {
        Name = "preload-" + model.Repository.Split('/')[1],
        Image = $"{AzdEnvironment.Reference(AzdEnvironment.RegistryEndpoint)}/{model.Repository}:{model.Tag}",
        Command = ["sh", "-c", $"cp -a /models/. {ModelsPath}/"],
        VolumeMounts = [new V1VolumeMount { Name = "models", MountPath = ModelsPath }],
        Resources = Resources("100m", "64Mi", "1", "256Mi"),
        SecurityContext = LockedDownContainer(),
    };
}
