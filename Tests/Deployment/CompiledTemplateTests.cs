using System.Text.Json.Nodes;

namespace Tests.Deployment;

/// <summary>The compiled ARM template (what Azure Resource Manager receives), read for what the Bicep findings were about.</summary>
public sealed class CompiledTemplateTests : IAsyncLifetime
{
    private JsonNode _template = null!;

    public async ValueTask InitializeAsync()
    {
        var build = await Repository.RunAsync(Repository.BicepPath, ["build", "infra/main.bicep", "--stdout"], TimeSpan.FromMinutes(2));
        Assert.True(build.ExitCode == 0, build.Output);
        _template = JsonNode.Parse(build.Output[build.Output.IndexOf('{', StringComparison.Ordinal)..])!;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public void LogAlert_SkipsQueryValidation_BecauseANewWorkspaceHasNoAppRequestsYet()
    {
        var rule = Single("Microsoft.Insights/scheduledQueryRules");

        Assert.Contains("AppRequests", rule["properties"]!["criteria"]!["allOf"]![0]!["query"]!.GetValue<string>());
        Assert.True(rule["properties"]!["skipQueryValidation"]!.GetValue<bool>());
    }

    [Fact]
    public void NodeCpuAlert_IsSplitByNode_NotAClusterAverage()
    {
        var criterion = Single("Microsoft.Insights/metricAlerts")["properties"]!["criteria"]!["allOf"]![0]!;

        Assert.Equal("node_cpu_usage_percentage", criterion["metricName"]!.GetValue<string>());
        var dimension = Assert.Single(criterion["dimensions"]!.AsArray())!;
        Assert.Equal("node", dimension["name"]!.GetValue<string>());
        Assert.Equal(["*"], dimension["values"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public void ContainerInsights_HasARuleAssociatedWithTheCluster()
    {
        var rule = Resources("Microsoft.Insights/dataCollectionRules")
            .Single(r => r["properties"]!["dataSources"]?["extensions"] is JsonArray extensions && extensions.Any(e => e!["extensionName"]!.GetValue<string>() == "ContainerInsights"))!;
        var association = Resources("Microsoft.Insights/dataCollectionRuleAssociations").Single(a => a["name"]!.GetValue<string>() == "ContainerInsightsExtension");

        Assert.Equal("Microsoft-ContainerInsights-Group-Default", rule["properties"]!["dataFlows"]![0]!["streams"]![0]!.GetValue<string>());
        Assert.NotEmpty(rule["properties"]!["destinations"]!["logAnalytics"]!.AsArray());
        Assert.Contains("Microsoft.ContainerService/managedClusters", association["scope"]!.GetValue<string>());
        Assert.Contains("Microsoft.Insights/dataCollectionRules", association["properties"]!["dataCollectionRuleId"]!.GetValue<string>());
        // With managed identity the agent collects only what an associated rule names.
        var agent = Single("Microsoft.ContainerService/managedClusters")["properties"]!["addonProfiles"]!["omsagent"]!;
        Assert.Equal("true", agent["config"]!["useAADAuth"]!.GetValue<string>());
    }

    [Fact]
    public void Secrets_ComeFromTheEnvironment_NeverANewGuidPerProvision()
    {
        var text = _template.ToJsonString();
        var secrets = _template["parameters"]!["secretValues"]!;

        Assert.DoesNotContain("newGuid(", text, StringComparison.Ordinal);
        Assert.Equal("secureObject", secrets["type"]!.GetValue<string>());
        Assert.Null(secrets["defaultValue"]);
    }

    [Fact]
    public void KeyVault_NameTakesTheSuffix_SoItCanBeProvisionedAgainAfterDown()
    {
        // The vault module: the one deployment that takes purge protection.
        var keyVault = Resources("Microsoft.Resources/deployments").Single(d => d["properties"]!["parameters"]?["purgeProtection"] is not null);

        Assert.Contains("parameters('keyVaultNameSuffix')", keyVault["properties"]!["parameters"]!["name"]!["value"]!.GetValue<string>());
        Assert.Equal(8, _template["parameters"]!["keyVaultNameSuffix"]!["maxLength"]!.GetValue<int>());
    }

    private JsonNode Single(string type) => Assert.Single(Resources(type));

    /// <summary>Every resource of <paramref name="type"/>, in main and in the nested templates of its modules.</summary>
    private List<JsonNode> Resources(string type)
    {
        var found = new List<JsonNode>();
        void Walk(JsonNode? template)
        {
            var resources = template?["resources"];
            var items = resources switch
            {
                JsonArray array => array.Select(r => r!),
                JsonObject map => map.Select(r => r.Value!),
                _ => [],
            };
            foreach (var resource in items)
            {
                if (resource["type"]?.GetValue<string>() == type)
                {
                    found.Add(resource);
                }

                Walk(resource["properties"]?["template"]);
            }
        }

        Walk(_template);
        return found;
    }
}
