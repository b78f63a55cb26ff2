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
    public void Http5xxAlert_ReadsPrometheus_NotTheLogsThatTheDailyCapStops()
    {
        var workspace = Single("Microsoft.OperationalInsights/workspaces");
        var rules = Single("Microsoft.AlertsManagement/prometheusRuleGroups")["properties"]!["rules"]!.AsArray();
        var http5xx = rules.Single(r => r!["alert"]?.GetValue<string>() == "Http5xxOver5Percent")!;

        // The workspace has a daily cap; a log-based alert would go silent exactly when errors flood the logs.
        Assert.NotNull(workspace["properties"]!["workspaceCapping"]!["dailyQuotaGb"]);
        Assert.Empty(Resources("Microsoft.Insights/scheduledQueryRules"));
        Assert.Contains("http_server_request_duration_seconds_count{http_response_status_code=~\"5..\"}", http5xx["expression"]!.GetValue<string>());
        Assert.Equal(1, http5xx["severity"]!.GetValue<int>());
    }

    [Fact]
    public void Workbook_IsDeployed_WithEveryPanelAsAPrometheusQueryOnTheWorkspace()
    {
        var workbook = Single("Microsoft.Insights/workbooks");
        var data = workbook["properties"]!["serializedData"]!.GetValue<string>();
        // main.bicep's module, by its symbolic name: its template holds the panels, made into workbook items.
        var module = _template["resources"]!["workbook"]!.ToJsonString();
        var panels = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "modules", "workbook-panels.json")))!["panels"]!.AsArray();

        // Shared (everyone with read access to the resource group sees it), built from the panels file by the module.
        Assert.Equal("shared", workbook["kind"]!.GetValue<string>());
        Assert.Contains("Notebook/1.0", data, StringComparison.Ordinal);
        Assert.Contains("variables('charts')", data, StringComparison.Ordinal);
        Assert.Contains("PrometheusQueryProvider/1.0", module, StringComparison.Ordinal);
        Assert.Contains("microsoft.monitor/accounts", module, StringComparison.Ordinal);
        Assert.Contains("monitorWorkspaceId", module, StringComparison.Ordinal);
        Assert.All(panels, p => Assert.Contains(p!["name"]!.GetValue<string>(), module, StringComparison.Ordinal));
    }

    [Fact]
    public void Cluster_UsesTheGatewayApiImplementation_NotTheRetiredManagedNginx()
    {
        var ingress = Single("Microsoft.ContainerService/managedClusters")["properties"]!["ingressProfile"]!;

        Assert.Equal("Standard", ingress["gatewayAPI"]!["installation"]!.GetValue<string>());
        Assert.Equal("Enabled", ingress["webAppRouting"]!["gatewayAPIImplementations"]!["appRoutingIstio"]!["mode"]!.GetValue<string>());
        Assert.Equal("None", ingress["webAppRouting"]!["nginx"]!["defaultIngressControllerType"]!.GetValue<string>());
    }

    [Fact]
    public void AgentPools_SendTheCountThePoolHasNow_NotTheMinimum()
    {
        var pool = Single("Microsoft.ContainerService/managedClusters/agentPools")["properties"]!;
        var system = Single("Microsoft.ContainerService/managedClusters")["properties"]!["agentPoolProfiles"]![0]!;

        // Each count is computed by the pool-count function from what the preprovision hook found in the cluster
        // (Tests/Deployment/Bicep runs that function with the Bicep CLI's own evaluator).
        Assert.Contains("count", pool["count"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("max(", pool["count"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("nodePoolCurrentCounts", _template.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("systemPool", system["count"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Tables_ComeFromThePlan_InTableStorageAndInCosmos()
    {
        // main.bicep's modules, by their symbolic names.
        var storage = _template["resources"]!["storage"]!;
        var cosmos = _template["resources"]!["cosmos"]!;

        Assert.Contains("tables", storage["properties"]!["parameters"]!["tables"]!["value"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("tables", cosmos["properties"]!["parameters"]!["tables"]!["value"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("blobContainers", storage["properties"]!["parameters"]!["blobContainers"]!["value"]!.ToJsonString(), StringComparison.Ordinal);
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
