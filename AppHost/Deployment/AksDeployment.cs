using System.Text;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Deployment;

/// <summary>
/// Writes the whole deployment from the AppHost model: <c>azure.yaml</c>, <c>infra/main.bicep</c> and its parameters,
/// <c>infra/k8s/**</c>, the azd hooks and the model image Dockerfile. Files are written only when their text changes,
/// with LF line ends, so regeneration is idempotent and a drift test can compare byte for byte.
/// </summary>
public static class AksDeployment
{
    /// <summary>The generated files, by path relative to the repository root.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> RenderAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var plan = await DeploymentPlanner.CreateAsync(model, context, cancellationToken);

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["azure.yaml"] = AzdWriter.AzureYaml(plan),
            ["infra/main.bicep"] = BicepWriter.MainBicep(plan),
            ["infra/main.parameters.json"] = BicepWriter.MainParameters(plan),
            ["infra/models/Dockerfile"] = AzdWriter.ModelDockerfile(),
            ["infra/hooks/preprovision.sh"] = AzdWriter.PreprovisionSh(),
            ["infra/hooks/preprovision.ps1"] = AzdWriter.PreprovisionPs1(),
            ["infra/hooks/postprovision.sh"] = AzdWriter.PostprovisionSh(plan),
            ["infra/hooks/postprovision.ps1"] = AzdWriter.PostprovisionPs1(plan),
        };
        foreach (var (path, content) in KubernetesManifestWriter.Write(plan))
        {
            files[$"infra/k8s/{path}"] = content;
        }

        return files.ToDictionary(f => f.Key, f => f.Value.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>Writes the files under <paramref name="root"/> (the repository root) and returns the paths it changed.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, string root, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        foreach (var (path, content) in await RenderAsync(model, context, cancellationToken))
        {
            var full = Path.Combine(root, path);
            if (File.Exists(full) && await File.ReadAllTextAsync(full, cancellationToken) == content)
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken);
            if (path.EndsWith(".sh", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            changed.Add(path);
        }

        return changed;
    }
}
