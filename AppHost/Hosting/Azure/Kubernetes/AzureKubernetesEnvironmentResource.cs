namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An AKS cluster to deploy to, with the shape of Aspire's own (preview) AKS environment: node pools added with
/// <c>AddNodePool</c>, workloads placed with <c>WithNodePool</c>. Ours adds what AKS users need and Aspire lacks:
/// taints, labels, spot pools, GPU counts and autoscaling settings.
/// </summary>
/// <param name="name">The resource name.</param>
public sealed class AzureKubernetesEnvironmentResource(string name) : Resource(name)
{
    private readonly List<AksNodePoolResource> _nodePools = [];

    /// <summary>The user node pools (the system pool is always there, tainted for add-ons only).</summary>
    public IReadOnlyList<AksNodePoolResource> NodePools => _nodePools;

    /// <summary>The Kubernetes namespace the workloads run in.</summary>
    public string Namespace { get; set; } = "llmchat";

    /// <summary>The VM size of the system pool.</summary>
    public string SystemVmSize { get; set; } = "Standard_D4ds_v5";

    internal void Add(AksNodePoolResource pool) => _nodePools.Add(pool);
}
