namespace Aspire.Hosting.ApplicationModel;

/// <summary>A user node pool of an AKS environment, scaled by the cluster autoscaler between its bounds.</summary>
/// <param name="name">The pool name (1-12 lowercase letters and digits: AKS's rule).</param>
/// <param name="vmSize">The VM size, for example <c>Standard_NC4as_T4_v3</c>.</param>
/// <param name="minCount">The fewest nodes (0 lets an idle GPU pool cost nothing).</param>
/// <param name="maxCount">The most nodes.</param>
/// <param name="parent">The AKS environment.</param>
public sealed class AksNodePoolResource(string name, string vmSize, int minCount, int maxCount, AzureKubernetesEnvironmentResource parent)
    : Resource(name), IResourceWithParent<AzureKubernetesEnvironmentResource>
{
    private readonly List<AksTaint> _taints = [];
    private readonly SortedDictionary<string, string> _labels = new(StringComparer.Ordinal);
    private readonly List<string> _allowedVmSizes = [];

    public string VmSize { get; } = vmSize;

    public int MinCount { get; } = minCount;

    public int MaxCount { get; } = maxCount;

    /// <inheritdoc />
    public AzureKubernetesEnvironmentResource Parent { get; } = parent;

    public IReadOnlyList<AksTaint> Taints => _taints;

    public IReadOnlyDictionary<string, string> Labels => _labels;

    /// <summary>VM sizes a deployment may choose instead of <see cref="VmSize"/> (a Bicep parameter); empty means any.</summary>
    public IReadOnlyList<string> AllowedVmSizes => _allowedVmSizes;

    /// <summary>GPUs per node of this pool (0 for CPU pools).</summary>
    public int GpusPerNode { get; internal set; }

    internal void AddTaint(AksTaint taint) => _taints.Add(taint);

    internal void SetLabel(string key, string value) => _labels[key] = value;

    internal void AllowVmSizes(IEnumerable<string> sizes) => _allowedVmSizes.AddRange(sizes);
}

/// <summary>A node taint, <c>key=value:Effect</c>.</summary>
public sealed record AksTaint(string Key, string Value, string Effect)
{
    public override string ToString() => $"{Key}={Value}:{Effect}";
}
