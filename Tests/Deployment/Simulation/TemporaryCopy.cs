namespace Tests.Deployment.Simulation;

/// <summary>A copy of a repository folder in a temporary place, optionally with one file renamed, for injecting a defect.</summary>
public sealed class TemporaryCopy : IDisposable
{
    public TemporaryCopy(string relativeFolder, (string From, string To)? rename = null)
    {
        Path = Directory.CreateTempSubdirectory("copy-").FullName;
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(Repository.Root, relativeFolder)))
        {
            var name = System.IO.Path.GetFileName(file);
            File.Copy(file, System.IO.Path.Combine(Path, rename is { } r && r.From == name ? r.To : name));
        }
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
