using System.Text.Json.Nodes;

namespace Tests.Deployment;

/// <summary>The compiled ARM template (what Azure Resource Manager receives), read for what the Bicep findings were about.</summary>
public sealed class CompiledTemplateTests : IAsyncLifetime
{
    private JsonNode _template = null!;
    private string _compiled = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var build = await Repository.RunAsync(Repository.BicepPath, ["build", "infra/main.bicep", "--stdout"], TimeSpan.FromMinutes(2));
        Assert.True(build.ExitCode == 0, build.Output);
        _compiled = build.Output[build.Output.IndexOf('{', StringComparison.Ordinal)..];
        _template = JsonNode.Parse(_compiled)!;
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
    public void ResourceProviders_AreThoseOfTheTemplatesResources_EachUnderTheConditionThatDeploysIt()
    {
        // What the plan asks the preprovision hook to check (infra/deployment-plan.json).
        var plan = Simulation.PlanFile.Load().Json["resourceProviders"]!.AsArray().ToDictionary(p => p!["namespace"]!.GetValue<string>(), p => p!["onlyWhen"]?.GetValue<string>(), StringComparer.Ordinal);
        // What the template deploys, by namespace: unconditionally, or only under one top-level parameter.
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        var deployed = Simulation.TemplateWalk.Resources(_template)
            .Where(r => r.Type.Length > 0 && r.Namespace is not ("Microsoft.Resources" or "Microsoft.Authorization"))
            .GroupBy(r => r.Namespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Any(r => r.Conditions.All(c => !c.Contains("parameters('", StringComparison.Ordinal))) ? null
                : g.Select(r => System.Text.RegularExpressions.Regex.Match(string.Join(' ', r.Conditions), @"^\[parameters\('([A-Za-z]+)'\)\]$").Groups[1].Value).Distinct().Single(), StringComparer.Ordinal);
        string? AzdValue(string? parameter) => parameter is null ? null
            : System.Text.RegularExpressions.Regex.Match(parameters[parameter]!["value"]!.GetValue<string>(), @"^\$\{([A-Z_]+)=").Groups[1].Value;

        foreach (var (ns, parameter) in deployed)
        {
            Assert.True(plan.TryGetValue(ns, out var onlyWhen), $"{ns}: the template deploys its resources, the plan does not check it.");
            Assert.True(onlyWhen == AzdValue(parameter), $"{ns}: deployed {(parameter is null ? "always" : $"only when {parameter} ({AzdValue(parameter)})")}, checked {(onlyWhen is null ? "always" : $"only when {onlyWhen}")}.");
        }

        // The rest is what AKS needs for the node resource group, always (Microsoft.Network also deploys the nodes'
        // subnet when the stores are restricted: needed either way).
        Assert.Subset(AppHost.Deployment.ResourceProviders.ForTheNodeResourceGroup.ToHashSet(StringComparer.Ordinal), plan.Keys.Except(deployed.Keys).ToHashSet(StringComparer.Ordinal));
        Assert.Contains("Microsoft.Compute", plan.Keys.Except(deployed.Keys));
        Assert.All(AppHost.Deployment.ResourceProviders.ForTheNodeResourceGroup, p => Assert.Null(plan[p]));
        Assert.Equal("USE_COSMOS_TABLE", plan["Microsoft.DocumentDB"]);
        Assert.Equal("DEFENDER_FOR_CONTAINERS", plan["Microsoft.Security"]);
        Assert.DoesNotContain("Microsoft.OperationsManagement", plan.Keys);
    }

    [Fact]
    public void Cluster_NamesItsNodeResourceGroup_WithTheFunctionThatKeepsItWithinEightyCharacters()
    {
        var cluster = Single("Microsoft.ContainerService/managedClusters")["properties"]!;

        // Without it AKS makes MC_<group>_<cluster>_<region>, which a long environment name pushes past 80 (refused).
        Assert.Equal("[__bicep.nodeResourceGroupName(resourceGroup().name, parameters('name'), parameters('location'))]", cluster["nodeResourceGroup"]?.GetValue<string>());
        // The function the Bicep CLI's tests evaluate (BicepFunctionTests), compiled into the cluster's module.
        Assert.Contains("lessOrEquals(length(format('MC_{0}_{1}_{2}'", _compiled, StringComparison.Ordinal);
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

    /// <summary>
    /// Issue 30, finding 13: the backups and the audit trail's copy are write-once. The plan names the containers and
    /// their days; the template gives each a default version-level retention policy (versioning, which it needs, is on),
    /// with appends allowed only on the audit trail's append blobs; the other containers get none.
    /// </summary>
    [Fact]
    public void Backups_AndTheAuditTrail_AreWriteOnce_ForTheirDays()
    {
        var plan = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "deployment-plan.json")))!;
        var immutable = plan["immutableContainers"]!.AsArray().Select(c => (c!["name"]!.GetValue<string>(), c["days"]!.GetValue<int>(), c["protectedAppendWrites"]!.GetValue<bool>())).ToList();
        var containers = Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        var policies = Single("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies");
        var blobService = Single("Microsoft.Storage/storageAccounts/blobServices");

        Assert.Equal([("audit", 365, true), ("backups", 35, false)], immutable);
        Assert.Equal(plan["blobContainers"]!.AsArray().Select(c => c!.GetValue<string>()).Order(StringComparer.Ordinal), ["audit", "backups", "dataprotection", "tokencache"]);
        Assert.True(blobService["properties"]!["isVersioningEnabled"]!.GetValue<bool>());
        Assert.Equal("[contains(map(parameters('immutableContainers'), lambda('c', lambdaVariables('c').name)), parameters('blobContainers')[copyIndex()])]",
            containers["properties"]!["immutableStorageWithVersioning"]!["enabled"]!.GetValue<string>());
        Assert.Equal("[length(parameters('immutableContainers'))]", policies["copy"]!["count"]!.GetValue<string>());
        Assert.Equal("[parameters('immutableContainers')[copyIndex()].days]", policies["properties"]!["immutabilityPeriodSinceCreationInDays"]!.GetValue<string>());
        Assert.Equal("[parameters('immutableContainers')[copyIndex()].protectedAppendWrites]", policies["properties"]!["allowProtectedAppendWritesAll"]!.GetValue<string>());
        Assert.Contains("parameters('immutableContainers')[copyIndex()].name", policies["name"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("immutableContainers: plan.immutableContainers", File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.bicep")), StringComparison.Ordinal);
    }

    /// <summary>Issue 30, finding 15: the API server's public access can be narrowed to ranges, an azd value.</summary>
    [Fact]
    public void Cluster_ApiServer_TakesTheAuthorizedRangesOfTheAzdValue()
    {
        var profile = Single("Microsoft.ContainerService/managedClusters")["properties"]!["apiServerAccessProfile"]!;
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;

        Assert.Equal("[parameters('apiAuthorizedIpRanges')]", profile["authorizedIPRanges"]!.GetValue<string>());
        Assert.Equal("${AKS_API_AUTHORIZED_IP_RANGES=}", parameters["aksApiAuthorizedIpRanges"]!["value"]!.GetValue<string>());
        Assert.Contains("ipRanges(parameters('aksApiAuthorizedIpRanges'))", _compiled, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 30, finding 15: Key Vault and Storage can be closed to the public network by an azd value. Restricted, each
    /// denies by default and admits the nodes' subnet (whose service endpoints carry the cluster's traffic; a storage
    /// account's IP rules cannot admit its own region), trusted Azure services, and the listed addresses; the cluster's
    /// pools join that subnet, where the cluster's identity is Network Contributor.
    /// </summary>
    [Fact]
    public void Stores_CanBeRestricted_ToTheNodesSubnet_AndTheListedAddresses()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        var vault = Single("Microsoft.KeyVault/vaults")["properties"]!["networkAcls"]!;
        var account = Single("Microsoft.Storage/storageAccounts")["properties"]!["networkAcls"]!;
        var subnet = Single("Microsoft.Network/virtualNetworks")["properties"]!["subnets"]!.AsArray().Single()!;
        var cluster = Single("Microsoft.ContainerService/managedClusters")["properties"]!;
        var pools = Single("Microsoft.ContainerService/managedClusters/agentPools")["properties"]!;
        var networkModule = Assert.Single(Resources("Microsoft.Resources/deployments"), d => d["properties"]?["template"]?["resources"] is JsonArray inner
            && inner.Any(r => r!["type"]!.GetValue<string>() == "Microsoft.Network/virtualNetworks"));
        var subnetRole = Assert.Single(Resources("Microsoft.Resources/deployments"), d => d["name"]?.GetValue<string>() == "role-cluster-subnet-network-contributor");

        Assert.Equal("${STORES_NETWORK_ACCESS=public}", parameters["storesNetworkAccess"]!["value"]!.GetValue<string>());
        Assert.Equal("${STORES_ALLOWED_IP_RANGES=}", parameters["storesAllowedIpRanges"]!["value"]!.GetValue<string>());
        Assert.Equal("[variables('restrictStores')]", networkModule["condition"]!.GetValue<string>());
        foreach (var acls in new[] { vault, account })
        {
            Assert.Equal("[if(parameters('network').restricted, 'Deny', 'Allow')]", acls["defaultAction"]!.GetValue<string>());
            Assert.Equal("AzureServices", acls["bypass"]!.GetValue<string>());
            Assert.Contains("parameters('network').subnetId", acls["virtualNetworkRules"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("map(parameters('network').ipRules", acls["ipRules"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // The vault takes ranges as the API server does; the account, each /32 as its bare address.
        Assert.Contains("'ipRules', __bicep.ipRanges(parameters('storesAllowedIpRanges'))", _compiled, StringComparison.Ordinal);
        Assert.Contains("'ipRules', __bicep.storageIpRules(parameters('storesAllowedIpRanges'))", _compiled, StringComparison.Ordinal);
        Assert.Equal(["Microsoft.Storage", "Microsoft.KeyVault"], subnet["properties"]!["serviceEndpoints"]!.AsArray().Select(e => e!["service"]!.GetValue<string>()));
        Assert.Equal("[if(empty(parameters('nodeSubnetId')), null(), parameters('nodeSubnetId'))]", cluster["agentPoolProfiles"]![0]!["vnetSubnetID"]!.GetValue<string>());
        Assert.Equal("[if(empty(parameters('nodeSubnetId')), null(), parameters('nodeSubnetId'))]", pools["vnetSubnetID"]!.GetValue<string>());
        Assert.Equal("[not(empty(parameters('nodeSubnetId')))]", subnetRole["condition"]!.GetValue<string>());
        Assert.Contains("4d97b98b-1d4f-4787-a291-c67834d212e7", subnetRole.ToJsonString(), StringComparison.Ordinal);
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
