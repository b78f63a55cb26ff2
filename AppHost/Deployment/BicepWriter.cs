using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Deployment;

/// <summary>
/// <c>infra/main.bicep</c> and <c>infra/main.parameters.json</c> of a <see cref="DeploymentPlan"/>: the hand-written
/// modules in <c>infra/modules</c>, composed here from what the model says (node pools, workload identities and the
/// roles their references need, Key Vault secrets). Everything the model does not decide is a parameter.
/// </summary>
internal static class BicepWriter
{
    public static string MainBicep(DeploymentPlan plan)
    {
        var gpuPool = plan.Pools.FirstOrDefault(p => p.IsGpu);
        var text = new StringBuilder();
        text.Append("""
            // Generated from the AppHost model by `dotnet run --project AppHost -- --operation publish` (AppHost/Deployment).
            // Do not edit: change AppHost.cs or infra/modules, then regenerate. A test fails when this file drifts.
            targetScope = 'subscription'

            @minLength(1)
            @maxLength(64)
            @description('Name of the azd environment; prefixes the resource group and tags every resource.')
            param environmentName string

            @minLength(1)
            @description('Azure region of every resource. It must offer the GPU VM size and your subscription must have quota for it.')
            param location string

            @description('Object id of the person or pipeline running azd: made AKS RBAC cluster admin so azd can deploy.')
            param principalId string = ''

            @description('Principal type of principalId.')
            @allowed([
              'User'
              'ServicePrincipal'
            ])
            param principalType string = 'User'

            @description('AKS pricing tier: Standard (uptime SLA, about 72 $/month) or Free (trials).')
            @allowed([
              'Free'
              'Standard'
            ])
            param aksTier string = 'Standard'

            @description('Container registry tier; Premium enables geo-replication.')
            @allowed([
              'Basic'
              'Standard'
              'Premium'
            ])
            param registrySku string = 'Standard'

            @description('Regions the registry replicates to (Premium only).')
            param registryReplicationLocations array = []

            @description('Email addresses that receive alerts.')
            param alertEmails array = []

            @description('Turns on Microsoft Defender for Containers (subscription plan and cluster sensor).')
            param enableDefenderForContainers bool = false

            @description('Stores conversations in Cosmos DB for Table (continuous backup, point-in-time restore) instead of Table Storage.')
            param useCosmosTable bool = false


            """);

        foreach (var pool in plan.Pools)
        {
            var name = Identifier(pool.Name);
            text.Append(CultureInfo.InvariantCulture, $"""
                @description('VM size of the {pool.Name} node pool.{(pool.IsGpu ? " Standard_NC6s_v3 was retired in September 2025; T4 is the default, A100 or H100 for larger models." : string.Empty)}')

                """);
            if (pool.AllowedVmSizes.Count > 0)
            {
                text.Append("@allowed([\n");
                foreach (var size in pool.AllowedVmSizes)
                {
                    text.Append(CultureInfo.InvariantCulture, $"  '{size}'\n");
                }

                text.Append("])\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"""
                param {name}VmSize string = '{pool.VmSize}'

                @description('Fewest nodes of the {pool.Name} pool (the cluster autoscaler keeps at least this many).')
                @minValue(0)
                param {name}MinCount int = {pool.MinCount}

                @description('Most nodes of the {pool.Name} pool (the cluster autoscaler adds nodes up to this).')
                @minValue(1)
                param {name}MaxCount int = {pool.MaxCount}

                @description('Runs the {pool.Name} pool on spot VMs (far cheaper, evicted at any time).')
                param {name}Spot bool = {(pool.Spot ? "true" : "false")}


                """);
        }

        foreach (var secret in plan.Secrets)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                @secure()
                @description('Value of the Key Vault secret {secret.SecretName} (AppHost parameter {secret.ParameterName}).')
                param {Identifier(secret.ParameterName)} string{(secret.Generated ? " = newGuid()" : string.Empty)}


                """);
        }

        var projects = plan.Workloads.Where(w => w.UsesWorkloadIdentity).ToList();
        text.Append("""
            var abbrs = loadJsonContent('abbreviations.json')
            var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
            var tags = {
              'azd-env-name': environmentName
            }

            resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-11-01' = {
              name: '${abbrs.resourcesResourceGroups}${environmentName}'
              location: location
              tags: tags
            }

            module monitoring 'modules/monitoring.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
                applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
                monitorWorkspaceName: '${abbrs.monitorAccounts}${resourceToken}'
              }
            }

            module registry 'modules/registry.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                name: '${abbrs.containerRegistryRegistries}${resourceToken}'
                sku: registrySku
                replicationLocations: registryReplicationLocations
              }
            }

            module keyVault 'modules/keyvault.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                name: '${abbrs.keyVaultVaults}${resourceToken}'
                logAnalyticsId: monitoring.outputs.logAnalyticsId
                secrets: {

            """);
        foreach (var secret in plan.Secrets)
        {
            text.Append(CultureInfo.InvariantCulture, $"      '{secret.SecretName}': {Identifier(secret.ParameterName)}\n");
        }

        text.Append("""
                }
              }
            }

            module storage 'modules/storage.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                name: '${abbrs.storageStorageAccounts}${resourceToken}'
                logAnalyticsId: monitoring.outputs.logAnalyticsId
              }
            }

            module aks 'modules/aks.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                name: '${abbrs.containerServiceManagedClusters}${resourceToken}'
                tier: aksTier

            """);
        text.Append(CultureInfo.InvariantCulture, $"    systemVmSize: '{plan.SystemVmSize}'\n");
        text.Append("""
                logAnalyticsId: monitoring.outputs.logAnalyticsId
                enableDefender: enableDefenderForContainers
                registryId: registry.outputs.id
                deployerPrincipalId: principalId
                deployerPrincipalType: principalType
                userPools: [

            """);
        foreach (var pool in plan.Pools)
        {
            var name = Identifier(pool.Name);
            text.Append(CultureInfo.InvariantCulture, $$"""
                      {
                        name: '{{pool.Name}}'
                        vmSize: {{name}}VmSize
                        minCount: {{name}}MinCount
                        maxCount: {{name}}MaxCount
                        spot: {{name}}Spot

                """);
            if (pool.Taints.Count == 0)
            {
                text.Append("        taints: []\n");
            }
            else
            {
                text.Append("        taints: [\n");
                foreach (var taint in pool.Taints)
                {
                    text.Append(CultureInfo.InvariantCulture, $"          '{taint}'\n");
                }
            }

            if (pool.Taints.Count > 0)
            {
                text.Append("        ]\n");
            }

            var labels = pool.Labels.Where(l => !l.Key.StartsWith("kubernetes.azure.com/", StringComparison.Ordinal)).ToList();
            if (labels.Count == 0)
            {
                text.Append("        labels: {}\n");
            }
            else
            {
                text.Append("        labels: {\n");
                foreach (var (key, value) in labels)
                {
                    text.Append(CultureInfo.InvariantCulture, $"          {PropertyName(key)}: '{value}'\n");
                }

                text.Append("        }\n");
            }

            text.Append("      }\n");
        }

        text.Append("""
                ]
              }
            }

            module prometheus 'modules/prometheus.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                clusterName: aks.outputs.name
                monitorWorkspaceId: monitoring.outputs.monitorWorkspaceId
                dataCollectionEndpointName: '${abbrs.insightsDataCollectionEndpoints}${resourceToken}'
                dataCollectionRuleName: '${abbrs.insightsDataCollectionRules}${resourceToken}'
              }
            }

            module alerts 'modules/alerts.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
                alertEmails: alertEmails
                clusterId: aks.outputs.id
                clusterName: aks.outputs.name
                monitorWorkspaceId: monitoring.outputs.monitorWorkspaceId
                logAnalyticsId: monitoring.outputs.logAnalyticsId

            """);
        text.Append(CultureInfo.InvariantCulture, $"    gpuPoolName: '{gpuPool?.Name ?? "none"}'\n");
        text.Append(CultureInfo.InvariantCulture, $"    gpuPoolMaxCount: {(gpuPool is null ? "0" : Identifier(gpuPool.Name) + "MaxCount")}\n");
        text.Append("""
              }
            }

            module defender 'modules/defender.bicep' = {
              params: {
                enabled: enableDefenderForContainers
              }
            }

            // Workload identities: one per service, federated with its Kubernetes service account; no secrets anywhere.

            """);

        foreach (var workload in projects)
        {
            var name = Identifier(workload.Name);
            text.Append(CultureInfo.InvariantCulture, $$"""
                module {{name}}Identity 'modules/workload-identity.bicep' = {
                  scope: resourceGroup
                  params: {
                    location: location
                    tags: tags
                    name: '${abbrs.managedIdentityUserAssignedIdentities}{{workload.Name}}-${resourceToken}'
                    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
                    serviceAccountNamespace: '{{plan.Namespace}}'
                    serviceAccountName: '{{workload.Name}}'
                  }
                }


                """);
        }

        text.Append("""
            // KEDA reads the LLM queue gauges from managed Prometheus with its own identity.
            module kedaIdentity 'modules/workload-identity.bicep' = {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                name: '${abbrs.managedIdentityUserAssignedIdentities}keda-${resourceToken}'
                oidcIssuerUrl: aks.outputs.oidcIssuerUrl
                serviceAccountNamespace: 'kube-system'
                serviceAccountName: 'keda-operator'
              }
            }

            module cosmos 'modules/cosmos-table.bicep' = if (useCosmosTable) {
              scope: resourceGroup
              params: {
                location: location
                tags: tags
                name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
                dataContributorPrincipalIds: [

            """);
        foreach (var workload in projects.Where(w => w.Roles.Contains(DeploymentPlanner.TableDataContributor)))
        {
            text.Append(CultureInfo.InvariantCulture, $"      {Identifier(workload.Name)}Identity.outputs.principalId\n");
        }

        text.Append("""
                ]
              }
            }

            // Least privilege: each role on the one resource it is needed for, derived from the AppHost's references.

            """);
        foreach (var workload in projects)
        {
            foreach (var role in workload.Roles)
            {
                var scope = role.Target switch
                {
                    "storage" => "storageAccountId: storage.outputs.id",
                    "keyVault" => "keyVaultId: keyVault.outputs.id",
                    "applicationInsights" => "applicationInsightsId: monitoring.outputs.applicationInsightsId",
                    _ => throw new NotSupportedException(role.Target),
                };
                var name = $"{Identifier(workload.Name)}{string.Concat(role.RoleName.Split(' ').Select(w => char.ToUpperInvariant(w[0]) + w[1..]))}Role";
                text.Append(CultureInfo.InvariantCulture, $$"""
                    module {{name}} 'modules/role-assignment.bicep' = {
                      scope: resourceGroup
                      params: {
                        principalId: {{Identifier(workload.Name)}}Identity.outputs.principalId
                        roleDefinitionId: '{{role.RoleDefinitionId}}' // {{role.RoleName}}
                        {{scope}}
                      }
                    }


                    """);
            }
        }

        text.Append("""
            module kedaPrometheusRole 'modules/role-assignment.bicep' = {
              scope: resourceGroup
              params: {
                principalId: kedaIdentity.outputs.principalId
                roleDefinitionId: 'b0d8363b-8ddd-447d-831f-62ca05bff136' // Monitoring Data Reader
                monitorWorkspaceId: monitoring.outputs.monitorWorkspaceId
              }
            }

            // The deployer creates (or imports) the ingress certificate in Key Vault from the postprovision hook.
            module deployerCertificatesRole 'modules/role-assignment.bicep' = if (!empty(principalId)) {
              scope: resourceGroup
              params: {
                principalId: principalId
                principalType: principalType
                roleDefinitionId: 'a4417e6f-fecd-4de8-b567-7b0420556985' // Key Vault Certificates Officer
                keyVaultId: keyVault.outputs.id
              }
            }

            // The app routing add-on reads the ingress TLS certificate from Key Vault.
            module ingressCertificateRole 'modules/role-assignment.bicep' = {
              scope: resourceGroup
              params: {
                principalId: aks.outputs.appRoutingPrincipalId
                roleDefinitionId: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba' // Key Vault Certificate User
                keyVaultId: keyVault.outputs.id
              }
            }

            module ingressSecretRole 'modules/role-assignment.bicep' = {
              scope: resourceGroup
              params: {
                principalId: aks.outputs.appRoutingPrincipalId
                roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
                keyVaultId: keyVault.outputs.id
              }
            }

            output AZURE_LOCATION string = location
            output AZURE_TENANT_ID string = tenant().tenantId
            output AZURE_RESOURCE_GROUP string = resourceGroup.name
            output AZURE_AKS_CLUSTER_NAME string = aks.outputs.name
            output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
            output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
            output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
            output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
            output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
            output AZURE_TABLES_ENDPOINT string = useCosmosTable ? cosmos!.outputs.tableEndpoint : storage.outputs.tableEndpoint
            output AZURE_PROMETHEUS_QUERY_ENDPOINT string = monitoring.outputs.prometheusQueryEndpoint
            output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
            output AZURE_KEDA_IDENTITY_CLIENT_ID string = kedaIdentity.outputs.clientId

            """);
        foreach (var workload in projects)
        {
            text.Append(CultureInfo.InvariantCulture, $"output {workload.IdentityClientIdVariable} string = {Identifier(workload.Name)}Identity.outputs.clientId\n");
        }

        return text.ToString();
    }

    public static string MainParameters(DeploymentPlan plan)
    {
        var parameters = new JsonObject
        {
            ["environmentName"] = Value("${AZURE_ENV_NAME}"),
            ["location"] = Value("${AZURE_LOCATION}"),
            ["principalId"] = Value("${AZURE_PRINCIPAL_ID}"),
            ["principalType"] = Value("${AZURE_PRINCIPAL_TYPE=User}"),
            ["alertEmails"] = Value(new JsonArray()),
        };
        foreach (var pool in plan.Pools)
        {
            var upper = pool.Name.ToUpperInvariant();
            parameters[$"{Identifier(pool.Name)}VmSize"] = Value($"${{AKS_{upper}_VM_SIZE={pool.VmSize}}}");
        }

        var document = new JsonObject
        {
            ["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            ["contentVersion"] = "1.0.0.0",
            ["parameters"] = parameters,
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

        static JsonObject Value(JsonNode value) => new() { ["value"] = value };
    }

    /// <summary>Bicep wants identifier-like property names unquoted.</summary>
    private static string PropertyName(string key) =>
        key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(key[0]) ? key : $"'{key}'";

    /// <summary>lowerCamelCase Bicep identifier: <c>safety-canary</c> becomes <c>safetyCanary</c>.</summary>
    public static string Identifier(string name)
    {
        var parts = name.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries);
        return parts[0].ToLowerInvariant() + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
