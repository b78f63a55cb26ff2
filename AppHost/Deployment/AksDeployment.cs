using System.Text;
using AppHost.Deployment.Kubernetes;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Deployment;

/// <summary>
/// Writes what of the deployment depends on the AppHost model: <c>azure.yaml</c>, the plan Bicep reads
/// and the hooks read (<c>infra/deployment-plan.json</c>, <c>infra/main.parameters.json</c>) and the Kubernetes
/// manifests (<c>infra/k8s/**</c>). Constant text (main.bicep, the modules, the hooks' code, the model Dockerfile) is
/// plain files beside them. Files are written only when their text
/// changes, with LF line ends, so regeneration is idempotent and a drift test compares byte for byte.
/// </summary>
public static class AksDeployment
{
    /// <summary>The generated files, by path relative to the repository root <paramref name="root"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> RenderAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, string root, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var plan = await DeploymentPlanner.CreateAsync(model, context, cancellationToken);
        var projects = model.Resources.OfType<ProjectResource>().ToDictionary(
            p => p.Name,
            p => Path.GetRelativePath(root, Path.GetDirectoryName(p.GetProjectMetadata().ProjectPath)!).Replace('\\', '/'));

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["azure.yaml"] = AzureYamlWriter.AzureYaml(plan, projects),
            ["infra/deployment-plan.json"] = InfraPlanWriter.PlanJson(plan),
            ["infra/main.parameters.json"] = InfraPlanWriter.Parameters(plan),
        };
        foreach (var (path, content) in KubernetesManifestWriter.Write(plan))
        {
            files[$"{DeploymentConventions.ManifestRoot}/{path}"] = content;
        }

        return files.ToDictionary(f => f.Key, f => f.Value.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>Writes the files under <paramref name="root"/> (the repository root) and returns the paths it changed.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, string root, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        var rendered = await RenderAsync(model, context, root, cancellationToken);
        foreach (var (path, content) in rendered)
        {
            var full = Path.Combine(root, path);
            if (File.Exists(full) && await File.ReadAllTextAsync(full, cancellationToken) == content)
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken);
            changed.Add(path);
        }

        // Manifests the model no longer produces would still be applied by azd: remove them.
        var manifests = Path.Combine(root, DeploymentConventions.ManifestRoot);
        if (Directory.Exists(manifests))
        {
            foreach (var file in Directory.EnumerateFiles(manifests, "*.y*ml", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (!rendered.ContainsKey(relative))
                {
                    File.Delete(file);
                    changed.Add(relative + " (removed)");
                }
            }
        }

        return changed;
    }
}
