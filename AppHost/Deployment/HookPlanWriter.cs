using System.Text;

namespace AppHost.Deployment;

/// <summary>
/// <c>infra/hooks/deployment.env</c>: what the hooks need from the model, as <c>NAME='value'</c> lines that
/// <c>sh</c> sources and the PowerShell hooks parse. The hooks themselves are plain files in <c>infra/hooks</c>.
/// </summary>
internal static class HookPlanWriter
{
    public static string Environment(DeploymentPlan plan)
    {
        var web = plan.Services.Single(w => w.External);
        var values = new (string Name, string Value, string Meaning)[]
        {
            ("K8S_NAMESPACE", plan.Namespace, "The namespace of the workloads."),
            ("CLUSTER_MANIFESTS", $"{DeploymentConventions.ManifestRoot}/{DeploymentConventions.ClusterFolder}", "The manifests the postprovision hook applies (azd applies each service's own folder)."),
            ("WEB_SERVICE_ACCOUNT", web.Identity!.ServiceAccount, "The service account whose token signs the web in to Entra ID (a federated credential on its app registration)."),
            ("KEDA_IDENTITY_CLIENT_ID_VARIABLE", plan.Identities.SingleOrDefault(i => i.Name == DeploymentConventions.KedaIdentity)?.ClientIdVariable ?? string.Empty, "The azd value with the client id of KEDA's identity; empty when nothing scales on Prometheus."),
            ("GENERATED_SECRETS", string.Join(' ', plan.Secrets.Where(s => s.Generated).Select(s => s.EnvironmentVariable)), "azd values the preprovision hook fills once with a random value (Key Vault secrets)."),
            ("REQUIRED_SECRETS", string.Join(' ', plan.Secrets.Where(s => !s.Generated).Select(s => s.EnvironmentVariable)), "azd values you must set before provisioning (Key Vault secrets)."),
            ("EXTERNAL_IMAGES", string.Join(' ', plan.ExternalImages.Select(i => i.Source)), "Third-party images imported into the registry (registry host stripped)."),
            ("MODEL_IMAGES", string.Join(' ', plan.ModelServers.SelectMany(w => w.Models).Distinct().Select(m => $"{m.Repository}:{m.Tag}={m.Model}")), "Model images to build, as repository:tag=model."),
            ("OLLAMA_IMAGE", plan.ExternalImages.First(i => i.Source.Contains("/ollama/", StringComparison.Ordinal)).RegistryPath, "The Ollama image (in the registry) that pulls the models at build time."),
            ("BUSYBOX_IMAGE", new ExternalImage(ClusterImageTags.Busybox).RegistryPath, "The base of the model images (in the registry)."),
        };

        var text = new StringBuilder("# Generated from the AppHost model (AppHost/Deployment): what the azd hooks need to know. Do not edit.\n");
        foreach (var (name, value, meaning) in values)
        {
            if (value.Contains('\'', StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{name} would hold a quote: {value}");
            }

            text.Append("# ").Append(meaning).Append('\n').Append(name).Append("='").Append(value).Append("'\n");
        }

        return text.ToString();
    }
}
