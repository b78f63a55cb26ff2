using k8s;

namespace AppHost.Deployment;

/// <summary>
/// <c>azure.yaml</c>: the .NET projects as azd services on AKS (azd builds their images and applies their folder
/// of <c>*.tmpl.yaml</c> manifests), and the hooks for both shells.
/// </summary>
internal static class AzureYamlWriter
{
    private const string Header = """
        # yaml-language-server: $schema=https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json
        # Generated from the AppHost model (AppHost/Deployment). Do not edit: regenerate with
        #   dotnet run --project AppHost -- --operation publish --step publish-aks

        """;

    /// <summary>The hooks' project, relative to the repository root (where azd runs hooks).</summary>
    public const string HooksProject = "infra/hooks";

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
            // No k8s.ingress: the public entry is a Gateway API Gateway, which azd does not look for. azd still looks
            // for an Ingress named like the service, finds none, and reports the Service's address (azure-dev,
            // service_target_aks.go: a missing Ingress is ErrResourceNotFound, which Endpoints ignores).

            services[service.Name] = new Dictionary<string, object>
            {
                ["project"] = "./" + project,
                ["language"] = "dotnet",
                ["host"] = "aks",
                ["k8s"] = k8s,
            };
        }

        // One program for both shells (infra/hooks), run with the .NET SDK that azd already needs to build the services.
        var hooks = new Dictionary<string, object>();
        foreach (var hook in new[] { "preprovision", "postprovision" })
        {
            var run = $"dotnet run --project {HooksProject} {hook}";
            hooks[hook] = new Dictionary<string, object>
            {
                ["posix"] = new Dictionary<string, object> { ["shell"] = "sh", ["run"] = run },
                ["windows"] = new Dictionary<string, object> { ["shell"] = "pwsh", ["run"] = run },
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
