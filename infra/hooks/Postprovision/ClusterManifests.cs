using System.Text.RegularExpressions;

namespace Hooks.Postprovision;

/// <summary>
/// The cluster-wide manifests (namespaces, network policies, Gateway, device plugin, model servers, the shared store,
/// KEDA's objects), rendered with the rule azd applies to a service's <c>*.tmpl.yaml</c> files (<c>{{.Env.NAME}}</c>
/// becomes the azd value; an unset value stops here rather than reaching the cluster) and applied server-side, the
/// namespaces first.
/// </summary>
internal static partial class ClusterManifests
{
    private const string NamespaceFile = "namespace.yaml";

    public static void Apply(HookContext context)
    {
        context.Step("Cluster manifests...");
        var work = Directory.CreateTempSubdirectory("llmchat-manifests-");
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(context.Root, context.Plan.Hooks.ClusterManifests), "*.tmpl.yaml").Order(StringComparer.Ordinal))
            {
                var rendered = EnvReference().Replace(File.ReadAllText(file), match =>
                    context.Environment[match.Groups[1].Value] ?? throw new HookFailedException($"{match.Groups[1].Value} is not set in the azd environment ({Path.GetFileName(file)} needs it)."));
                File.WriteAllText(Path.Combine(work.FullName, Path.GetFileName(file).Replace(".tmpl.yaml", ".yaml", StringComparison.Ordinal)), rendered);
            }

            context.Kubectl("apply", "--server-side", "--field-manager=llmchat-postprovision", "-f", Path.Combine(work.FullName, NamespaceFile)).OrThrow();
            context.Kubectl("apply", "--server-side", "--field-manager=llmchat-postprovision", "-f", work.FullName).OrThrow();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"\{\{\.Env\.([A-Za-z0-9_]+)\}\}")]
    private static partial Regex EnvReference();
}
