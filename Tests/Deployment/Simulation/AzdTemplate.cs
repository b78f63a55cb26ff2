using System.Text.RegularExpressions;

namespace Tests.Deployment.Simulation;

/// <summary>
/// How azd fills a <c>*.tmpl.yaml</c> manifest: Go's text/template with <c>{{.Env.NAME}}</c> bound to the azd
/// environment (azure-dev <c>cli/azd/pkg/tools/kubectl/kubectl.go</c>, <c>applyTemplate</c>). A name that is not in
/// the environment renders as <c>&lt;no value&gt;</c>, as Go prints a missing map key. Only <c>.Env</c> field
/// lookups are simulated: any other action in a manifest fails the simulation, since our manifests must not need it.
/// </summary>
public static partial class AzdTemplate
{
    public const string NoValue = "<no value>";

    public static string Render(string text, IReadOnlyDictionary<string, string> environment) =>
        Action().Replace(text, match =>
        {
            var field = EnvField().Match(match.Value);
            if (!field.Success)
            {
                throw new NotSupportedException($"Template action {match.Value} is more than an azd environment value.");
            }

            return environment.TryGetValue(field.Groups[1].Value, out var value) ? value : NoValue;
        });

    [GeneratedRegex(@"\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex Action();

    [GeneratedRegex(@"^\{\{\s*\.Env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")]
    private static partial Regex EnvField();
}
