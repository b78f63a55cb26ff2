using Aspire.Hosting.ApplicationModel;

namespace AppHost.Deployment;

/// <summary>
/// What the AppHost model says about a deployment, in deployment terms: pools, workloads (environment as azd
/// templates, placement, scaling), workload identities with their roles, secrets and third-party images. Built by
/// <see cref="DeploymentPlanner"/>; written out as data for Bicep and the hooks, and as Kubernetes objects.
/// </summary>
internal sealed record DeploymentPlan(
    string Namespace,
    string SystemVmSize,
    IReadOnlyList<PoolPlan> Pools,
    IReadOnlyList<WorkloadPlan> Workloads,
    IReadOnlyList<IdentityPlan> Identities,
    IReadOnlyList<RoleAssignmentPlan> RoleAssignments,
    IReadOnlyList<SecretPlan> Secrets,
    IReadOnlyList<ExternalImage> ExternalImages,
    IReadOnlyList<string> BlobContainers,
    IReadOnlyList<string> VaultKeys,
    IReadOnlyList<ImmutableContainerPlan> ImmutableContainers)
{
    public IEnumerable<WorkloadPlan> Services => Workloads.Where(w => w.Kind == WorkloadKind.Service);

    public IEnumerable<WorkloadPlan> ModelServers => Workloads.Where(w => w.Kind == WorkloadKind.ModelServer);
}

internal sealed record PoolPlan(string Name, string VmSize, int MinCount, int MaxCount, IReadOnlyList<AksTaint> Taints, IReadOnlyDictionary<string, string> Labels, int GpusPerNode, IReadOnlyList<string> AllowedVmSizes)
{
    public bool IsGpu => GpusPerNode > 0;
}

internal enum WorkloadKind
{
    /// <summary>A .NET project: an azd service, its image built by azd, its manifests applied by azd.</summary>
    Service,

    /// <summary>An Ollama server: the pinned image, models preloaded from model images, applied by the postprovision hook.</summary>
    ModelServer,

    /// <summary>The shared store (Redis): the official image, one ephemeral replica, applied by the postprovision hook.</summary>
    Store,
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
    IReadOnlyList<ModelPlan> Models,
    IdentityPlan? Identity,
    bool External,
    IReadOnlyList<string> Callers,
    IReadOnlyList<KubernetesCronJobAnnotation> CronJobs)
{
    /// <summary>Path prefixes the public host's ingress routes here: <c>/</c> for the external web, its own for others (the API's <c>/v1</c>).</summary>
    public IReadOnlyList<string> IngressPaths { get; init; } = External ? ["/"] : [];

    /// <summary>The port callers reach through the workload's Service.</summary>
    public PortPlan ServicePort => Ports.First(p => p.OnService);

    /// <summary>
    /// The store's password: the vault secret its pod reads (through the Secrets Store CSI driver, as its identity) and
    /// requires of every connection. Null for other kinds.
    /// </summary>
    public string? PasswordSecret { get; init; }
}

/// <summary>A container port; <paramref name="OnService"/> when callers reach it through the Service (scrape ports are reached on the pods).</summary>
internal sealed record PortPlan(string Name, int Port, bool OnService);

/// <summary>An Ollama model, preloaded from an image that the postprovision hook builds (<c>ollama pull</c> at build time).</summary>
internal sealed record ModelPlan(string Model, string OllamaRelease)
{
    /// <summary>A repository name: <c>qwen2.5:0.5b-instruct-q4_K_M</c> becomes <c>ollama-models/qwen2-5-0-5b-instruct-q4-k-m</c>.</summary>
    public string Repository => "ollama-models/" + string.Concat(Model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Trim('-');

    /// <summary>Model images are tagged with the Ollama release that pulled them: blob formats follow Ollama.</summary>
    public string Tag => OllamaRelease;
}

/// <summary>
/// A user-assigned identity federated with one Kubernetes service account. <paramref name="PrincipalIdOutput"/> when a
/// hook grants it a role itself (on something that exists only after Bicep ran, such as a certificate's secret).
/// </summary>
internal sealed record IdentityPlan(string Name, string Namespace, string ServiceAccount, bool PrincipalIdOutput = false)
{
    public string ClientIdVariable => AzdEnvironment.IdentityClientId(Name);

    public string PrincipalIdVariable => AzdEnvironment.IdentityPrincipalId(Name);

    /// <summary>The subject of the service account's tokens, as a federated credential must name it.</summary>
    public string Subject => $"system:serviceaccount:{Namespace}:{ServiceAccount}";
}

/// <summary>
/// A built-in role for an identity on one resource: <c>storage</c> (the account), <c>blobContainer</c>,
/// <c>keyVaultSecret</c> and <c>keyVaultKey</c> (one item, named by <paramref name="Resource"/>),
/// <c>applicationInsights</c>, <c>monitorWorkspace</c>.
/// </summary>
internal sealed record RoleAssignmentPlan(string Identity, string Scope, BuiltInRole Role, string? Resource = null);

/// <summary>A Key Vault secret whose value comes from the azd environment; generated ones the preprovision hook creates once.</summary>
internal sealed record SecretPlan(string SecretName, string EnvironmentVariable, bool Generated);

/// <summary>A blob container whose blob versions no one may change or delete for <paramref name="Days"/> days (append blobs may grow when <paramref name="ProtectedAppendWrites"/>).</summary>
internal sealed record ImmutableContainerPlan(string Name, int Days, bool ProtectedAppendWrites);

/// <summary>A third-party image, imported into the deployment's registry and pulled from there.</summary>
internal sealed record ExternalImage(string Source)
{
    /// <summary>The repository and tag in our registry: the source without its registry host.</summary>
    public string RegistryPath => Source[(Source.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>The image as a manifest names it.</summary>
    public string InRegistry => $"{AzdEnvironment.Reference(AzdEnvironment.RegistryEndpoint)}/{RegistryPath}";
}
