namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Records that a resource needs GPUs, for the run-time container arguments and for the deployment
/// generator (Kubernetes <c>nvidia.com/gpu</c> limits, tolerations).
/// </summary>
/// <param name="vendor">The GPU vendor.</param>
/// <param name="count">GPUs per replica.</param>
public sealed class OllamaGpuAnnotation(OllamaGpuVendor vendor, int count) : IResourceAnnotation
{
    /// <summary>The GPU vendor.</summary>
    public OllamaGpuVendor Vendor { get; } = vendor;

    /// <summary>GPUs per replica.</summary>
    public int Count { get; } = count;
}
