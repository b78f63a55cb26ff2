using System.Text.Json;
using AppHost;
using Aspire.Hosting.Testing;
using Tests.Deployment;

namespace Tests.Integration;

/// <summary>
/// The workbook deployed with the app (infra/modules/workbook.bicep, its panels in workbook-panels.json): each panel's
/// PromQL parsed by Prometheus's own grammar, and each series it reads one that is really exported: the API's, read
/// from its metrics port after a reply (names as its Prometheus exporter writes them: units and _total, _bucket
/// suffixes included); the DCGM exporter's; the cluster's own.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class WorkbookTests(AppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly string[] ClusterSeries = ["kube_horizontalpodautoscaler_status_current_replicas"];

    private static readonly string[] Required = ["requests", "errors", "first-token", "tokens", "queue", "admission-wait", "gpu-utilisation", "gpu-memory", "replicas"];

    [Fact]
    public async Task EachPanel_ParsesAsPromQl_AndReadsSeriesThatAreExported()
    {
        var panels = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "modules", "workbook-panels.json"))).RootElement.GetProperty("panels")
            .EnumerateArray().Select(p => (Name: p.GetProperty("name").GetString()!, Query: p.GetProperty("query").GetString()!)).ToList();
        var exported = await ExportedAsync();

        var file = Path.Combine(Directory.CreateTempSubdirectory("workbook-").FullName, "panels.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(panels.Select(p => new { alert = p.Name, expression = p.Query.Replace("{{cluster}}", "aks-test", StringComparison.Ordinal).Replace("{{namespace}}", "llmchat", StringComparison.Ordinal) })), Cancellation);
        var (exitCode, output) = await Repository.RunAsync("node", [Repository.Validator, "promql", file], TimeSpan.FromMinutes(2));
        var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal(panels.Count, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        Assert.Equal(0, exitCode);
        var unknown = results.SelectMany(r => r.GetProperty("metrics").EnumerateArray().Select(m => $"{r.GetProperty("name").GetString()}: {m.GetString()}"))
            .Where(m => !exported.Contains(m[(m.IndexOf(": ", StringComparison.Ordinal) + 2)..])).ToList();
        Assert.Empty(unknown);
        Assert.Subset(panels.Select(p => p.Name).ToHashSet(), Required.ToHashSet());
    }

    /// <summary>The series names the API's metrics port serves after a reply and a refusal, with the DCGM exporter's and the cluster's.</summary>
    private async Task<HashSet<string>> ExportedAsync()
    {
        // A reply, and a refusal (a model that does not exist): each counter exists once it has counted.
        var user = app.NewUser("workbook");
        var conversation = await user.CreateConversationAsync();
        await user.ChatAsync(conversation, new { content = "hello" });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await user.ChatAsync(conversation, new { content = "hello", model = "no-such-model" })).Status);
        using var metrics = app.App.CreateHttpClient(ResourceNames.Api, "metrics");
        var text = await metrics.GetStringAsync("/metrics", Cancellation);
        var served = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOfAny(['{', ' '])]);
        var dcgm = File.ReadAllLines(Path.Combine(Repository.Root, "Tests", "Deployment", "Docs", "dcgm-exporter-metrics.txt")).Where(l => l.StartsWith("DCGM_", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]);
        return [.. served, .. dcgm, .. ClusterSeries];
    }
}
