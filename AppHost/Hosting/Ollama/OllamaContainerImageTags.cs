namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The one place the Ollama image is pinned. 0.17.1 is the first release with the fix for
/// CVE-2026-7482 (heap read through create/push); never float to <c>latest</c>.
/// </summary>
internal static class OllamaContainerImageTags
{
    public const string Registry = "docker.io";
    public const string Image = "ollama/ollama";
    public const string Tag = "0.17.1";

    /// <summary>AMD GPUs need the ROCm build of the same release.</summary>
    public const string RocmTag = Tag + "-rocm";

    /// <summary>Ollama's port inside the container and the default of <c>ollama serve</c>.</summary>
    public const int DefaultPort = 11434;
}
