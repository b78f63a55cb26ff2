namespace AppHost.Deployment;

/// <summary>
/// Third-party images the cluster runs besides Ollama, pinned here. None is pulled from its public registry at run
/// time: the postprovision hook imports each into the deployment's registry (<c>az acr import</c>), so pulls are
/// authenticated, not rate-limited, and do not depend on the public registry being up.
/// </summary>
internal static class ClusterImageTags
{
    /// <summary>NVIDIA's device plugin, v0.19.2 (May 2026; NVIDIA/k8s-device-plugin pull request 1813).</summary>
    public const string NvidiaDevicePlugin = "nvcr.io/nvidia/k8s-device-plugin:v0.19.2";

    /// <summary>NVIDIA's DCGM exporter 4.1.3 on DCGM 4.2.3: each GPU's utilisation, memory and XID errors for Prometheus.</summary>
    public const string DcgmExporter = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04";

    /// <summary>The base of the model images (a shell and <c>cp</c> for the preload init container).</summary>
    public const string Busybox = "docker.io/library/busybox:1.37.0";
}
