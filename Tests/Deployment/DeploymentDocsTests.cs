using Tests.Deployment.Docs;

namespace Tests.Deployment;

/// <summary>The deployment docs name only what exists: settings, parameters, sections the code points to.</summary>
public sealed class DeploymentDocsTests
{
    private static readonly DocsCheck.Sources Sources = DocsCheck.Load();
    private static readonly IReadOnlyDictionary<string, string> Documents = DocsCheck.Documents();

    [Fact]
    public void EverySettingOfTheTable_ExistsWhereTheTableSays()
    {
        var settings = DocsCheck.Settings(Documents["docs/deploy.md"]);

        Assert.Empty(DocsCheck.SettingProblems(settings, Sources));
        Assert.Contains(settings, s => s is ("ALERT_EMAILS", "alertEmails"));
        Assert.Contains(settings, s => s is ("AKS_GPU_MIN_COUNT", "nodePoolCounts"));
    }

    [Fact]
    public void EveryAzdEnvSet_AndEveryParameterName_InTheDocs_Exists()
    {
        var settings = DocsCheck.Settings(Documents["docs/deploy.md"]);

        Assert.Empty(DocsCheck.AzdEnvSetProblems(Documents, settings));
        Assert.Empty(DocsCheck.ParameterNameProblems(Documents, Sources));
    }

    [Fact]
    public void EveryDocsSectionTheCodeRefersTo_Exists()
    {
        var code = DocsCheck.Code();

        Assert.Empty(DocsCheck.SectionReferenceProblems(code, Documents));
        Assert.Contains(code.Values, c => c.Contains("docs/deploy.md, \"One-time bootstrap\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Prerequisites_NameTheSdkGlobalJsonAsksFor_AndTheKubeloginWithAzdsLoginMode()
    {
        var sdk = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "global.json")))!["sdk"]!["version"]!.GetValue<string>();

        Assert.Contains($"the .NET SDK {sdk}", Documents["docs/deploy.md"], StringComparison.Ordinal);
        Assert.Contains($".NET SDK {sdk}", File.ReadAllText(Path.Combine(Repository.Root, "README.md")), StringComparison.Ordinal);
        Assert.DoesNotContain(".NET 10 SDK", Documents["docs/deploy.md"], StringComparison.Ordinal);
        Assert.Contains("kubelogin convert-kubeconfig -l azd", Documents["docs/deploy.md"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("costs", "(`azd env set AKS_GPU_MIN_COUNT 0`", "(`gpuMinCount` 0", "`gpuMinCount` is not a parameter")]
    [InlineData("costs", "`azd env set AKS_GPU_SPOT true`", "`azd env set GPU_SPOT true`", "`azd env set GPU_SPOT` names no setting")]
    [InlineData("table", "| `ALERT_EMAILS` | `alertEmails` |", "| `ALERT_EMAILS` | `alertEmail` |", "main.bicep has no parameter alertEmail")]
    [InlineData("table", "| `LOG_DAILY_QUOTA_GB` | `logDailyQuotaGb` |", "| `LOG_DAILY_QUOTA_GB` | `aksTier` |", "main.parameters.json does not map it to aksTier")]
    [InlineData("table", "| `DOCKERHUB_USERNAME`, `DOCKERHUB_TOKEN` | (hooks) |", "| `DOCKERHUB_USER`, `DOCKERHUB_TOKEN` | (hooks) |", "no hook names it")]
    [InlineData("section", "## Node counts on a second provision", "## Node counts", "which has no such heading")]
    public void EachCheck_FailsOnAnInjectedDefect(string where, string right, string wrong, string expected)
    {
        var documents = Documents.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
        var file = where == "costs" ? "docs/costs.md" : "docs/deploy.md";
        Assert.Contains(right, documents[file], StringComparison.Ordinal);
        documents[file] = documents[file].Replace(right, wrong, StringComparison.Ordinal);
        var settings = DocsCheck.Settings(documents["docs/deploy.md"]);

        var problems = DocsCheck.SettingProblems(settings, Sources)
            .Concat(DocsCheck.AzdEnvSetProblems(documents, settings))
            .Concat(DocsCheck.ParameterNameProblems(documents, Sources))
            .Concat(DocsCheck.SectionReferenceProblems(DocsCheck.Code(), documents)).ToList();

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
