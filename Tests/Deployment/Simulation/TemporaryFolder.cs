namespace Tests.Deployment.Simulation;

/// <summary>An empty temporary folder, deleted on dispose.</summary>
public sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("rendered-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
