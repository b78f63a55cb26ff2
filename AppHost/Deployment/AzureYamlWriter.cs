using k8s;

namespace AppHost.Deployment;

/// <summary>
/// <c>azure.yaml</c>: the .NET projects as azd services on AKS (azd builds their images and applies their folder
/// of <c>*.tmpl.yaml</c> manifests), and the hooks in both shells.
/// </summary>
internal static class AzureYamlWriter
{
    private const string Header = """
        # yaml-language-server: $schema=https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json
        # Generated from the AppHost model (AppHost/Deployment). Do not edit: regenerate with
        #   dotnet run --project AppHost -- --operation publish --step publish-aks

        """;

    public static string AzureYaml(DeploymentPlan plan, IReadOnlyDictionary<string, string> projectPaths)
    {
        var services = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var service in plan.Services)
        {
            var project = projectPaths[service.Name];
            var k8s = new Dictionary<string, object>
            {
                // Relative to the project: azd joins the two.
                ["deploymentPath"] = Path.GetRelativePath(project, $"{DeploymentConventions.ManifestRoot}/{service.Name}").Replace('\\', '/'),
                ["namespace"] = plan.Namespace,
                ["deployment"] = new Dictionary<string, object> { ["name"] = service.Name },
                ["service"] = new Dictionary<string, object> { ["name"] = service.Name },
            };
            if (service.External)
            {
                k8s["ingress"] = new Dictionary<string, object> { ["name"] = service.Name };
            }

            services[service.Name] = new Dictionary<string, object>
            {
                ["project"] = "./" + project,
                ["language"] = "dotnet",
                ["host"] = "aks",
                ["k8s"] = k8s,
            };
        }

        var hooks = new Dictionary<string, object>();
        foreach (var hook in new[] { "preprovision", "postprovision" })
        {
            hooks[hook] = new Dictionary<string, object>
            {
                ["posix"] = new Dictionary<string, object> { ["shell"] = "sh", ["run"] = $"infra/hooks/{hook}.sh" },
                ["windows"] = new Dictionary<string, object> { ["shell"] = "pwsh", ["run"] = $"infra/hooks/{hook}.ps1" },
            };
        }

        var document = new Dictionary<string, object>
        {
            ["name"] = DeploymentConventions.PartOf,
            ["metadata"] = new Dictionary<string, object> { ["template"] = "llmchat-aks@1.0.0" },
            ["infra"] = new Dictionary<string, object> { ["provider"] = "bicep", ["path"] = "infra", ["module"] = "main" },
            ["services"] = services,
            ["hooks"] = hooks,
        };
        return Header + KubernetesYaml.Serialize(document).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n";
    }
}
