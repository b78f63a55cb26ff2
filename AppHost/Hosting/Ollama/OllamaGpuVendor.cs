namespace Aspire.Hosting;

/// <summary>The GPU vendor <c>WithGPUSupport</c> configures the container for.</summary>
public enum OllamaGpuVendor
{
    /// <summary>NVIDIA, through the NVIDIA container toolkit.</summary>
    Nvidia = 0,

    /// <summary>AMD, through ROCm (<c>/dev/kfd</c> and <c>/dev/dri</c>, and the <c>-rocm</c> image).</summary>
    AMD = 1,
}
