using YamlDotNet.RepresentationModel;

namespace Tests.Deployment.Simulation;

/// <summary>An <c>azure.yaml</c> service on AKS as azd reads it (azure-dev <c>pkg/project/service_target_aks.go</c>, <c>AksOptions</c>), with azd's defaults.</summary>
public sealed record AzdAksService(string Name, string ProjectPath, string DeploymentPath, string Namespace, string DeploymentName, string ServiceName, string? IngressName, bool UsesKustomize, bool UsesHelm);

/// <summary>The parts of <c>azure.yaml</c> the simulation needs: the project name, its AKS services and its hooks (hook, then platform, to the command).</summary>
public sealed record AzdProject(string Name, IReadOnlyList<AzdAksService> Services, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Hooks)
{
    /// <summary>azd's default when <c>k8s.deploymentPath</c> is not set.</summary>
    public const string DefaultDeploymentPath = "manifests";

    public static AzdProject Load(string root)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(root, "azure.yaml"))));
        var document = (YamlMappingNode)stream.Documents[0].RootNode;
        var name = Scalar(document, "name")!;
        var services = new List<AzdAksService>();
        foreach (var (key, value) in ((YamlMappingNode)document["services"]).Children)
        {
            var service = (YamlMappingNode)value;
            if (Scalar(service, "host") != "aks")
            {
                continue;
            }

            var k8s = service.Children.TryGetValue("k8s", out var node) ? (YamlMappingNode)node : new YamlMappingNode();
            var serviceName = key.ToString();
            var project = Scalar(service, "project") ?? ".";
            services.Add(new AzdAksService(
                serviceName,
                project,
                // azd: filepath.Join(serviceConfig.Path(), deploymentPath), Path() being the project folder.
                Path.GetFullPath(Path.Combine(root, project, Scalar(k8s, "deploymentPath") ?? DefaultDeploymentPath)),
                Scalar(k8s, "namespace") ?? name,
                Nested(k8s, "deployment", "name") ?? serviceName,
                Nested(k8s, "service", "name") ?? serviceName,
                Nested(k8s, "ingress", "name"),
                k8s.Children.ContainsKey("kustomize"),
                k8s.Children.ContainsKey("helm")));
        }

        var hooks = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (document.Children.TryGetValue("hooks", out var hooksNode))
        {
            foreach (var (hook, platforms) in ((YamlMappingNode)hooksNode).Children)
            {
                hooks[hook.ToString()] = ((YamlMappingNode)platforms).Children.ToDictionary(p => p.Key.ToString(), p => Scalar((YamlMappingNode)p.Value, "run")!, StringComparer.Ordinal);
            }
        }

        return new AzdProject(name, services, hooks);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static string? Nested(YamlMappingNode node, string key, string inner) =>
        node.Children.TryGetValue(key, out var value) && value is YamlMappingNode mapping ? Scalar(mapping, inner) : null;
}
