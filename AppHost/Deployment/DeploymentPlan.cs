using Aspire.Hosting.ApplicationModel;

namespace AppHost.Deployment;

/// <summary>
/// What the AppHost model says about a deployment, in deployment terms: the pools, the workloads with their
/// environment (as azd templates, <c>{{.Env.NAME}}</c>), placement, scaling and the Azure roles they need.
/// Built by <see cref="DeploymentPlanner"/>; written out by the Bicep, Kubernetes and azd writers.
/// </summary>
internal sealed record DeploymentPlan(
    string Namespace,
    string SystemVmSize,
    IReadOnlyList<PoolPlan> Pools,
    IReadOnlyList<WorkloadPlan> Workloads,
    IReadOnlyList<SecretPlan> Secrets,
    bool HasStorage,
    bool HasKeyVault);

internal sealed record PoolPlan(string Name, string VmSize, int MinCount, int MaxCount, IReadOnlyList<AksTaint> Taints, IReadOnlyDictionary<string, string> Labels, bool Spot, int GpusPerNode, IReadOnlyList<string> AllowedVmSizes)
{
    public bool IsGpu => GpusPerNode > 0;
}

internal enum WorkloadKind
{
    /// <summary>A .NET project: image built by azd, deployed as an azd service.</summary>
    Project,

    /// <summary>An Ollama server: the pinned image, models preloaded from a model image, deployed by the hook.</summary>
    Ollama,
}

internal sealed record WorkloadPlan(
    string Name,
    WorkloadKind Kind,
    string Image,
    IReadOnlyList<PortPlan> Ports,
    IReadOnlyList<KeyValuePair<string, string>> Environment,
    PoolPlan? Pool,
    KubernetesScalingAnnotation? Scaling,
    KubernetesResourcesAnnotation Resources,
    int Gpus,
    IReadOnlyList<ModelPlan> Models,
    IReadOnlyList<RolePlan> Roles,
    bool External,
    IReadOnlyList<string> Callers,
    IReadOnlyList<KubernetesCronJobAnnotation>? CronJobs = null)
{
    public bool UsesWorkloadIdentity => Kind == WorkloadKind.Project;

    /// <summary>The azd environment value holding the client id of the workload's identity.</summary>
    public string IdentityClientIdVariable => $"AZURE_{Name.ToUpperInvariant().Replace('-', '_')}_IDENTITY_CLIENT_ID";
}

internal sealed record PortPlan(string Name, int Port, bool Public);

/// <summary>An Ollama model, preloaded from an image built by the hook (<c>ollama pull</c> at build time).</summary>
internal sealed record ModelPlan(string Model)
{
    /// <summary>A repository name for the model image: <c>qwen2.5:0.5b-instruct-q4_K_M</c> becomes <c>ollama-models/qwen2-5-0-5b-instruct-q4-k-m</c>.</summary>
    public string Repository => "ollama-models/" + string.Concat(Model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Trim('-');
}

/// <summary>A built-in role on one of the deployment's resources.</summary>
internal sealed record RolePlan(string Target, string RoleName, string RoleDefinitionId);

internal sealed record SecretPlan(string SecretName, string ParameterName, bool Generated);
