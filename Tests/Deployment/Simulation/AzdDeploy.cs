namespace Tests.Deployment.Simulation;

/// <summary>One <c>kubectl apply</c> azd makes: the file, whether azd templated it, and the text it sends.</summary>
public sealed record AppliedManifest(string Service, string File, bool Templated, string Text);

/// <summary>
/// What <c>azd deploy</c> sends to the cluster for AKS services, after azure-dev's own code
/// (<c>pkg/project/service_target_aks.go</c> <c>deployManifests</c>, <c>pkg/tools/kubectl/kubectl.go</c>
/// <c>applyTemplates</c>): the service's deployment path, walked depth-first in name order as Go's os.ReadDir returns
/// it; every <c>.yaml</c>/<c>.yml</c> file; a <c>*.tmpl.yaml</c> file rendered with the azd environment and sent on
/// stdin; any other YAML file applied as it is (<c>kubectl apply -f</c>); other files ignored. Kustomize and Helm are
/// alpha features in azd that we do not use: a service that asks for them fails the simulation.
/// </summary>
public static class AzdDeploy
{
    public static IReadOnlyList<AppliedManifest> Simulate(AzdProject project, IReadOnlyDictionary<string, string> environment)
    {
        var applied = new List<AppliedManifest>();
        foreach (var service in project.Services)
        {
            if (service.UsesKustomize || service.UsesHelm)
            {
                throw new NotSupportedException($"{service.Name} uses k8s.kustomize or k8s.helm, which the simulation does not model (azd alpha features).");
            }

            if (!Directory.Exists(service.DeploymentPath))
            {
                throw new DirectoryNotFoundException($"{service.Name}: azd finds no manifests at {service.DeploymentPath} and fails with 'no deployment manifests found'.");
            }

            Walk(service, service.DeploymentPath, environment, applied);
        }

        return applied;
    }

    private static void Walk(AzdAksService service, string folder, IReadOnlyDictionary<string, string> environment, List<AppliedManifest> applied)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry is DirectoryInfo directory)
            {
                Walk(service, directory.FullName, environment, applied);
                continue;
            }

            var extension = Path.GetExtension(entry.Name);
            if (extension is not (".yaml" or ".yml"))
            {
                continue;
            }

            var text = File.ReadAllText(entry.FullName);
            var templated = Path.GetFileNameWithoutExtension(entry.Name).EndsWith(".tmpl", StringComparison.Ordinal);
            applied.Add(new AppliedManifest(service.Name, Path.GetRelativePath(Repository.Root, entry.FullName).Replace('\\', '/'), templated, templated ? AzdTemplate.Render(text, environment) : text));
        }
    }

    /// <summary>azd's <c>SetServiceProperty(name, "IMAGE_NAME", ...)</c> after it pushes a service's image, with its tag shape.</summary>
    public static Dictionary<string, string> PushedImages(AzdProject project, string registryEndpoint, string environmentName) =>
        project.Services.ToDictionary(
            s => $"SERVICE_{s.Name.ToUpperInvariant().Replace('-', '_')}_IMAGE_NAME",
            s => $"{registryEndpoint}/{project.Name}/{s.Name}-{environmentName}:azd-deploy-1764150000");
}
