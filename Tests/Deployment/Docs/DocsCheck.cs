using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tests.Deployment.Docs;

/// <summary>
/// What the documentation names must exist: each setting of docs/deploy.md's table where the table says (an azd value
/// mapped by main.parameters.json to a main.bicep parameter, or read by the hooks), each `azd env set NAME`, each
/// camelCase name in backticks (a main.bicep parameter, or a listed non-parameter), and each section the code refers
/// to as <c>docs/x.md, "Heading"</c>. Each check takes the texts it reads, so that a test can inject a defect.
/// </summary>
public static partial class DocsCheck
{
    /// <summary>The azd values azd itself sets or reads (not ours to map).</summary>
    private static readonly HashSet<string> AzdOwn = ["AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID"];

    public sealed record Sources(string MainBicep, string Parameters, string HookSources, IReadOnlyList<string> NonParameters);

    public static Sources Load()
    {
        var hooks = string.Join('\n', Repository.Files(Path.Combine("infra", "hooks"), "*.cs").Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)).Select(File.ReadAllText));
        var nonParameters = File.ReadAllLines(Path.Combine(Repository.Root, "Tests", "Deployment", "Docs", "identifiers-that-are-not-parameters.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(' ', 2)[0]).ToList();
        return new Sources(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.bicep")),
            File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")), hooks, nonParameters);
    }

    /// <summary>The docs' texts by path: README.md and docs/*.md.</summary>
    public static IReadOnlyDictionary<string, string> Documents() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Repository.Root, f)))
            .ToDictionary(p => p.Replace('\\', '/'), p => File.ReadAllText(Path.Combine(Repository.Root, p)), StringComparer.Ordinal);

    /// <summary>The settings table of docs/deploy.md: each azd value with its Bicep parameter (null: read by the hooks).</summary>
    public static IReadOnlyList<(string Name, string? Parameter)> Settings(string deployDoc)
    {
        var section = Regex.Match(deployDoc, @"^## Settings\n(.*?)(?=^## )", RegexOptions.Singleline | RegexOptions.Multiline).Groups[1].Value;
        return [.. section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).SelectMany(row =>
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var parameter = Backticked().Match(cells[2]) is { Success: true } p ? p.Groups[1].Value : null;
            return Backticked().Matches(cells[1]).Select(m => (m.Groups[1].Value, parameter));
        })];
    }

    public static IEnumerable<string> SettingProblems(IReadOnlyList<(string Name, string? Parameter)> settings, Sources sources)
    {
        if (settings.Count == 0)
        {
            yield return "docs/deploy.md has no settings table under \"## Settings\".";
        }

        var parameters = JsonNode.Parse(sources.Parameters)!["parameters"]!.AsObject();
        foreach (var (name, parameter) in settings)
        {
            if (parameter is null)
            {
                if (!sources.HookSources.Contains($"\"{name}\"", StringComparison.Ordinal))
                {
                    yield return $"{name}: the table says the hooks read it; no hook names it.";
                }

                continue;
            }

            if (!Regex.IsMatch(sources.MainBicep, $@"^param {Regex.Escape(parameter)} ", RegexOptions.Multiline))
            {
                yield return $"{name}: main.bicep has no parameter {parameter}.";
            }
            else if (parameters[parameter] is not { } mapped || !mapped.ToJsonString().Contains("${" + name, StringComparison.Ordinal))
            {
                yield return $"{name}: main.parameters.json does not map it to {parameter}.";
            }
        }
    }

    /// <summary>Each `azd env set NAME` of the docs names a setting of the table, or a value azd itself reads.</summary>
    public static IEnumerable<string> AzdEnvSetProblems(IReadOnlyDictionary<string, string> documents, IReadOnlyList<(string Name, string? Parameter)> settings)
    {
        var known = settings.Select(s => s.Name).Concat(AzdOwn).ToHashSet(StringComparer.Ordinal);
        return documents.SelectMany(d => AzdEnvSet().Matches(d.Value).Select(m => m.Groups[1].Value).Where(n => !known.Contains(n)).Select(n => $"{d.Key}: `azd env set {n}` names no setting of docs/deploy.md's table."));
    }

    /// <summary>Each camelCase name in backticks is a main.bicep parameter or a listed non-parameter.</summary>
    public static IEnumerable<string> ParameterNameProblems(IReadOnlyDictionary<string, string> documents, Sources sources)
    {
        var parameters = Regex.Matches(sources.MainBicep, @"^param (\w+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        return documents.SelectMany(d => CamelCase().Matches(d.Value).Select(m => m.Groups[1].Value)
            .Where(n => !parameters.Contains(n) && !sources.NonParameters.Contains(n)).Distinct()
            .Select(n => $"{d.Key}: `{n}` is not a parameter of main.bicep (nor listed in Tests/Deployment/Docs/identifiers-that-are-not-parameters.txt)."));
    }

    /// <summary>Each <c>docs/x.md, "Heading"</c> in the code names a heading of that document.</summary>
    public static IEnumerable<string> SectionReferenceProblems(IReadOnlyDictionary<string, string> code, IReadOnlyDictionary<string, string> documents) =>
        code.SelectMany(c => SectionReference().Matches(c.Value).Select(m => (File: c.Key, Doc: m.Groups[1].Value, Heading: m.Groups[2].Value)))
            .Where(r => !documents.TryGetValue(r.Doc, out var text) || !Regex.IsMatch(text, $@"^#+ {Regex.Escape(r.Heading)}$", RegexOptions.Multiline))
            .Select(r => $"{r.File}: refers to {r.Doc}, \"{r.Heading}\", which has no such heading.");

    /// <summary>The source files that may refer to a docs section.</summary>
    public static IReadOnlyDictionary<string, string> Code() =>
        new[] { "infra", ".ci", ".github", "AppHost", "Api", "Web" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains("node_modules", StringComparison.Ordinal)
                && new[] { ".cs", ".yml", ".yaml", ".json", ".bicep", ".md", "" }.Contains(Path.GetExtension(f)))
            .ToDictionary(f => Path.GetRelativePath(Repository.Root, f), File.ReadAllText, StringComparer.Ordinal);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"azd env set ([A-Z][A-Z0-9_]+)")]
    private static partial Regex AzdEnvSet();

    [GeneratedRegex("`([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*)`")]
    private static partial Regex CamelCase();

    [GeneratedRegex(@"(docs/[a-z-]+\.md), \\?""([^""\\]+)\\?""")]
    private static partial Regex SectionReference();
}
