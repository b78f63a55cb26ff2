using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tests.Deployment;

/// <summary>
/// The Prometheus alert rules of infra/modules/alerts.bicep, as managed Prometheus will read them: each expression
/// parsed by Prometheus's own PromQL grammar (@prometheus-io/lezer-promql, Tests/Infra/validation), its Bicep
/// parameters filled as main.bicep fills them, and each metric it reads one that something we deploy exports: the
/// API (Api/Llm/LlmMetricNames.cs), the DCGM exporter on the GPU pool (Tests/Deployment/Docs/dcgm-exporter-metrics.txt),
/// or the cluster's own (kube-state-metrics, cAdvisor, ASP.NET Core).
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The metrics the cluster exports by itself (the managed Prometheus add-on's default targets, and ASP.NET Core's).</summary>
    private static readonly string[] PlatformMetrics =
    [
        "container_cpu_usage_seconds_total", "kube_pod_container_resource_limits", "kube_pod_container_status_restarts_total",
        "kube_pod_container_status_waiting_reason", "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_spec_max_replicas", "kube_node_labels", "http_server_request_duration_seconds_count",
    ];

    public static TheoryData<string> Rules => [.. ReadRules(File.ReadAllText(AlertsPath)).Select(r => r.Alert)];

    private static string AlertsPath => Path.Combine(Repository.Root, "infra", "modules", "alerts.bicep");

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task EachRule_ParsesAsPromQl_AndReadsOnlyMetricsWeExport(string alert)
    {
        var (result, _) = await ValidateAsync(ReadRules(File.ReadAllText(AlertsPath)).Where(r => r.Alert == alert));
        var metrics = result.Single().GetProperty("metrics").EnumerateArray().Select(m => m.GetString()!).ToList();

        Assert.True(result.Single().GetProperty("ok").GetBoolean(), result.Single().ToString());
        Assert.NotEmpty(metrics);
        Assert.All(metrics, m => Assert.True(Exported().Contains(m), $"{alert} reads {m}, which nothing we deploy exports."));
    }

    [Fact]
    public void TheGpuRules_AreThere_OnTheExportersMetrics()
    {
        var bicep = File.ReadAllText(AlertsPath);
        var rules = ReadRules(bicep).ToDictionary(r => r.Alert, r => r.Expression);

        // Every Prometheus rule is read (none is skipped by the pattern).
        Assert.Equal(Regex.Matches(bicep, @"^\s*alert: '", RegexOptions.Multiline).Count, rules.Count);
        Assert.Contains("DCGM_FI_DEV_FB_USED", rules["GpuMemoryNearFull"], StringComparison.Ordinal);
        Assert.Contains("DCGM_FI_DEV_XID_ERRORS", rules["GpuXidError"], StringComparison.Ordinal);
        // Idle GPUs of a model, joined to that model's queue by its id (the pod name's part after "ollama-").
        Assert.Contains("on (backend)", rules["GpuIdleWhileQueued"], StringComparison.Ordinal);
        Assert.Contains("sum by (backend) (llm_requests_queued)", rules["GpuIdleWhileQueued"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max by (node, gpu) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > 0.95", "syntax")]
    [InlineData("max by (node, gpu) (DCGM_FI_DEV_FB_USED_MIB) > 0", "DCGM_FI_DEV_FB_USED_MIB")]
    public async Task TheValidator_RefusesAnInjectedDefect(string expression, string expected)
    {
        var (result, _) = await ValidateAsync([("Injected", expression)]);
        var rule = result.Single();
        var metrics = rule.GetProperty("metrics").EnumerateArray().Select(m => m.GetString()!).ToList();
        var problems = rule.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).Concat(metrics.Where(m => !Exported().Contains(m))).ToList();

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>Every rule of alerts.bicep with its expression, the Bicep parameters filled as main.bicep fills them for the default plan.</summary>
    private static IEnumerable<(string Alert, string Expression)> ReadRules(string bicep) =>
        RulePattern().Matches(bicep).Select(m => (m.Groups["alert"].Value, m.Groups["expression"].Value
            .Replace("${namespace}", "llmchat", StringComparison.Ordinal)
            .Replace("${gpuPoolName}", "gpu", StringComparison.Ordinal)
            .Replace("${gpuPoolMaxCount}", "3", StringComparison.Ordinal)));

    private static async Task<(List<JsonElement> Results, int ExitCode)> ValidateAsync(IEnumerable<(string Alert, string Expression)> rules)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("promql-").FullName, "rules.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(rules.Select(r => new { alert = r.Alert, expression = r.Expression })), TestContext.Current.CancellationToken);
        var (exitCode, output) = await Repository.RunAsync("node", [Repository.Validator, "promql", file], ToolTimeout);
        return ([.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)], exitCode);
    }

    private static HashSet<string> Exported() =>
    [
        .. PlatformMetrics,
        .. typeof(Api.Llm.LlmMetrics).Assembly.GetType("Api.Llm.LlmMetricNames")!.GetFields().Where(f => f.IsLiteral && ((string)f.GetValue(null)!).StartsWith("llm.", StringComparison.Ordinal))
            .Select(f => ((string)f.GetValue(null)!).Replace('.', '_')),
        .. File.ReadAllLines(Path.Combine(Repository.Root, "Tests", "Deployment", "Docs", "dcgm-exporter-metrics.txt"))
            .Where(l => l.StartsWith("DCGM_", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]),
    ];

    [GeneratedRegex(@"alert: '(?<alert>\w+)'\s*\n\s*expression: '(?<expression>[^']*)'")]
    private static partial Regex RulePattern();
}
