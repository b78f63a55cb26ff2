using Api.Llm;

namespace AppHost;

/// <summary>A container's Kubernetes CPU and memory (requests or limits).</summary>
internal sealed class ModelServerSize
{
    public string Cpu { get; set; } = "1";

    public string Memory { get; set; } = "2Gi";
}

/// <summary>
/// One model as <c>AppHost/models.json</c> declares it (<c>Models:&lt;id&gt;</c>): what the API is told of it
/// (<see cref="ModelOptions"/>, the same class the API binds) and how it is hosted: its pinned tags, its pool, its
/// replicas and its server's size.
/// </summary>
internal sealed class ModelDeclaration : ModelOptions
{
    /// <summary>The Ollama tag deployments serve, pinned.</summary>
    public string Tag { get; set; } = string.Empty;

    /// <summary>The tag run mode pulls (smaller, for a laptop); unset: <see cref="Tag"/>.</summary>
    public string? DevelopmentTag { get; set; }

    public int MinReplicas { get; set; } = 1;

    public int MaxReplicas { get; set; } = 1;

    public ModelServerSize Requests { get; set; } = new();

    public ModelServerSize Limits { get; set; } = new() { Cpu = "2", Memory = "4Gi" };

    /// <summary>Run mode only: an Ollama of the model's own at this URL, instead of the local one every other model shares.</summary>
    public string? Endpoint { get; set; }
}
