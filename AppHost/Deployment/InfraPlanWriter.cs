using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Deployment;

/// <summary>
/// The data Bicep and the hooks read: <c>infra/deployment-plan.json</c> (pools, workload identities and their roles,
/// secrets, tables, containers and keys; what the hooks import, build and check; <c>main.bicep</c> loads it with
/// <c>loadJsonContent</c>, the hooks with System.Text.Json) and <c>infra/main.parameters.json</c> (azd's mapping of
/// environment values to parameters). <c>main.bicep</c> and the hooks' code are plain files.
/// </summary>
internal static class InfraPlanWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string PlanJson(DeploymentPlan plan)
    {
        var web = plan.Services.Single(w => w.External);
        var document = new JsonObject
        {
            ["$comment"] = "Generated from the AppHost model (AppHost/Deployment); infra/main.bicep and the hooks (infra/hooks) read it. Do not edit: change AppHost.cs and regenerate.",
            ["namespace"] = plan.Namespace,
            ["systemPool"] = new JsonObject
            {
                ["name"] = "system",
                ["vmSize"] = plan.SystemVmSize,
                ["minCount"] = DeploymentConventions.SystemPoolMinCount,
                ["maxCount"] = DeploymentConventions.SystemPoolMaxCount,
                ["maxSurge"] = DeploymentConventions.SystemPoolMaxSurge,
                ["zones"] = Strings(DeploymentConventions.SystemPoolZones),
                ["gpusPerNode"] = 0,
                ["variables"] = new JsonObject { ["currentCount"] = AzdEnvironment.Pool("system", AzdEnvironment.PoolCurrentCount) },
            },
            ["nodePools"] = new JsonArray([.. plan.Pools.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["vmSize"] = p.VmSize,
                ["minCount"] = p.MinCount,
                ["maxCount"] = p.MaxCount,
                ["maxSurge"] = DeploymentConventions.UserPoolMaxSurge,
                ["taints"] = Strings(p.Taints.Select(t => t.ToString())),
                // AKS sets the agentpool label itself and refuses it in nodeLabels.
                ["labels"] = new JsonObject([.. p.Labels.Where(l => !l.Key.StartsWith("kubernetes.azure.com/", StringComparison.Ordinal)).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]),
                ["gpusPerNode"] = p.GpusPerNode,
                ["allowedVmSizes"] = Strings(p.AllowedVmSizes),
                ["variables"] = new JsonObject
                {
                    ["vmSize"] = AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolVmSize),
                    ["minCount"] = AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolMinCount),
                    ["maxCount"] = AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolMaxCount),
                    ["spot"] = AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolSpot),
                    ["currentCount"] = AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolCurrentCount),
                },
            })]),
            ["workloadIdentities"] = new JsonArray([.. plan.Identities.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name,
                ["namespace"] = i.Namespace,
                ["serviceAccount"] = i.ServiceAccount,
                ["clientIdOutput"] = i.ClientIdVariable,
                ["principalIdOutput"] = i.PrincipalIdOutput ? i.PrincipalIdVariable : null,
            })]),
            ["roleAssignments"] = new JsonArray([.. plan.RoleAssignments.Select(r => (JsonNode)new JsonObject
            {
                ["identity"] = r.Identity,
                ["scope"] = r.Scope,
                ["resource"] = r.Resource ?? string.Empty,
                ["role"] = r.Role.Name,
                ["roleDefinitionId"] = r.Role.DefinitionId,
            })]),
            ["secrets"] = new JsonArray([.. plan.Secrets.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.SecretName,
                ["environmentVariable"] = s.EnvironmentVariable,
                ["generated"] = s.Generated,
            })]),
            ["vaultKeys"] = Strings(plan.VaultKeys),
            ["tables"] = Strings(Api.Shared.TableNames.All),
            ["blobContainers"] = Strings(plan.BlobContainers),
            ["immutableContainers"] = new JsonArray([.. plan.ImmutableContainers.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["days"] = c.Days,
                ["protectedAppendWrites"] = c.ProtectedAppendWrites,
            })]),
            ["resourceProviders"] = new JsonArray([.. ResourceProviders.Required.Select(p => (JsonNode)new JsonObject
            {
                ["namespace"] = p.Namespace,
                ["onlyWhen"] = p.OnlyWhen,
            })]),
            ["hooks"] = new JsonObject
            {
                ["clusterManifests"] = $"{DeploymentConventions.ManifestRoot}/{DeploymentConventions.ClusterFolder}",
                ["gateway"] = new JsonObject { ["name"] = DeploymentConventions.GatewayName, ["namespace"] = DeploymentConventions.GatewayNamespace },
                ["webServiceAccount"] = web.Identity!.ServiceAccount,
                ["kedaIdentityClientIdVariable"] = plan.Identities.SingleOrDefault(i => i.Name == DeploymentConventions.KedaIdentity)?.ClientIdVariable,
                ["gatewayIdentityPrincipalIdVariable"] = plan.Identities.Single(i => i.Name == DeploymentConventions.GatewayIdentity).PrincipalIdVariable,
                ["externalImages"] = Strings(plan.ExternalImages.Select(i => i.Source)),
                ["modelImages"] = new JsonArray([.. plan.ModelServers.SelectMany(w => w.Models).Distinct().Select(m => (JsonNode)new JsonObject
                {
                    ["repository"] = m.Repository,
                    ["tag"] = m.Tag,
                    ["model"] = m.Model,
                })]),
                ["ollamaImage"] = plan.ExternalImages.First(i => i.Source.Contains("/ollama/", StringComparison.Ordinal)).RegistryPath,
                ["busyboxImage"] = new ExternalImage(ClusterImageTags.Busybox).RegistryPath,
            },
        };
        return document.ToJsonString(Indented) + "\n";
    }

    /// <summary>azd substitutes <c>${NAME}</c> and <c>${NAME=default}</c> in this file's text before it parses it.</summary>
    public static string Parameters(DeploymentPlan plan)
    {
        // Every override a user can set is an azd value, named in one place (AzdEnvironment) and listed in docs/deploy.md.
        JsonObject PerPool(string setting, Func<PoolPlan, string> fallback) =>
            new([.. plan.Pools.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)$"${{{AzdEnvironment.Pool(p.Name, setting)}={fallback(p)}}}"))]);

        var parameters = new JsonObject
        {
            ["environmentName"] = Value("${AZURE_ENV_NAME}"),
            ["location"] = Value("${AZURE_LOCATION}"),
            ["principalId"] = Value("${AZURE_PRINCIPAL_ID}"),
            ["principalType"] = Value("${AZURE_PRINCIPAL_TYPE=User}"),
            ["deploymentPrincipalId"] = Value($"${{{AzdEnvironment.DeploymentPrincipalId}=}}"),
            ["aksTier"] = Value($"${{{AzdEnvironment.AksTier}=Standard}}"),
            ["aksApiAuthorizedIpRanges"] = Value($"${{{AzdEnvironment.AksApiAuthorizedIpRanges}=}}"),
            ["storesNetworkAccess"] = Value($"${{{AzdEnvironment.StoresNetworkAccess}=public}}"),
            ["storesAllowedIpRanges"] = Value($"${{{AzdEnvironment.StoresAllowedIpRanges}=}}"),
            ["nodePoolVmSizes"] = Value(PerPool(AzdEnvironment.PoolVmSize, p => p.VmSize)),
            ["nodePoolCounts"] = Value(new JsonObject([.. plan.Pools.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)new JsonObject
            {
                ["min"] = $"${{{AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolMinCount)}={p.MinCount}}}",
                ["max"] = $"${{{AzdEnvironment.Pool(p.Name, AzdEnvironment.PoolMaxCount)}={p.MaxCount}}}",
            }))])),
            ["nodePoolSpot"] = Value(PerPool(AzdEnvironment.PoolSpot, _ => "false")),
            // What the preprovision hook found in the cluster: empty on a first provision.
            ["nodePoolCurrentCounts"] = Value(new JsonObject([.. new[] { "system" }.Concat(plan.Pools.Select(p => p.Name))
                .Select(name => KeyValuePair.Create(name, (JsonNode?)$"${{{AzdEnvironment.Pool(name, AzdEnvironment.PoolCurrentCount)}=}}"))])),
            ["keyVaultNameSuffix"] = Value("${AZURE_KEY_VAULT_NAME_SUFFIX=}"),
            ["secretValues"] = Value(new JsonObject([.. plan.Secrets.Select(s => KeyValuePair.Create(s.SecretName, (JsonNode?)$"${{{s.EnvironmentVariable}}}"))])),
            ["alertEmails"] = Value($"${{{AzdEnvironment.AlertEmails}=}}"),
            // azd turns "true"/"false" and digits into the bool and int the template declares (azure-dev
            // armParameterFileValue), and parses an array parameter's substituted text as JSON.
            ["useCosmosTable"] = Value($"${{{AzdEnvironment.UseCosmosTable}=false}}"),
            ["keyVaultPurgeProtection"] = Value($"${{{AzdEnvironment.KeyVaultPurgeProtection}=true}}"),
            ["enableDefenderForContainers"] = Value($"${{{AzdEnvironment.DefenderForContainers}=false}}"),
            ["registrySku"] = Value($"${{{AzdEnvironment.RegistrySku}=Standard}}"),
            ["registryReplicationLocations"] = Value($"${{{AzdEnvironment.RegistryReplicationLocations}=[]}}"),
            ["logDailyQuotaGb"] = Value($"${{{AzdEnvironment.LogDailyQuotaGb}=5}}"),
        };

        var document = new JsonObject
        {
            ["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            ["contentVersion"] = "1.0.0.0",
            ["parameters"] = parameters,
        };
        return document.ToJsonString(Indented) + "\n";

        static JsonObject Value(JsonNode value) => new() { ["value"] = value };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
