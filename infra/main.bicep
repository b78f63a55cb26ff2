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

@description('VM size of the cpu node pool.')
param cpuVmSize string = 'Standard_D4ds_v5'

@description('Fewest nodes of the cpu pool (the cluster autoscaler keeps at least this many).')
@minValue(0)
param cpuMinCount int = 2

@description('Most nodes of the cpu pool (the cluster autoscaler adds nodes up to this).')
@minValue(1)
param cpuMaxCount int = 6

@description('Runs the cpu pool on spot VMs (far cheaper, evicted at any time).')
param cpuSpot bool = false

@description('VM size of the gpu node pool. Standard_NC6s_v3 was retired in September 2025; T4 is the default, A100 or H100 for larger models.')
@allowed([
  'Standard_NC4as_T4_v3'
  'Standard_NC8as_T4_v3'
  'Standard_NC24ads_A100_v4'
  'Standard_NC40ads_H100_v5'
])
param gpuVmSize string = 'Standard_NC4as_T4_v3'

@description('Fewest nodes of the gpu pool (the cluster autoscaler keeps at least this many).')
@minValue(0)
param gpuMinCount int = 1

@description('Most nodes of the gpu pool (the cluster autoscaler adds nodes up to this).')
@minValue(1)
param gpuMaxCount int = 3

@description('Runs the gpu pool on spot VMs (far cheaper, evicted at any time).')
param gpuSpot bool = false

@secure()
@description('Value of the Key Vault secret Safety--Canary (AppHost parameter safety-canary).')
param safetyCanary string = newGuid()

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
      'Safety--Canary': safetyCanary
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
    systemVmSize: 'Standard_D4ds_v5'
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    enableDefender: enableDefenderForContainers
    registryId: registry.outputs.id
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    userPools: [
      {
        name: 'cpu'
        vmSize: cpuVmSize
        minCount: cpuMinCount
        maxCount: cpuMaxCount
        spot: cpuSpot
        taints: []
        labels: {}
      }
      {
        name: 'gpu'
        vmSize: gpuVmSize
        minCount: gpuMinCount
        maxCount: gpuMaxCount
        spot: gpuSpot
        taints: [
          'sku=gpu:NoSchedule'
        ]
        labels: {
          workload: 'llm'
        }
      }
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
    gpuPoolName: 'gpu'
    gpuPoolMaxCount: gpuMaxCount
  }
}

module defender 'modules/defender.bicep' = {
  params: {
    enabled: enableDefenderForContainers
  }
}

// Workload identities: one per service, federated with its Kubernetes service account; no secrets anywhere.
module apiIdentity 'modules/workload-identity.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    serviceAccountNamespace: 'llmchat'
    serviceAccountName: 'api'
  }
}

module webIdentity 'modules/workload-identity.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}web-${resourceToken}'
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    serviceAccountNamespace: 'llmchat'
    serviceAccountName: 'web'
  }
}

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
      apiIdentity.outputs.principalId
    ]
  }
}

// Least privilege: each role on the one resource it is needed for, derived from the AppHost's references.
module apiMonitoringMetricsPublisherRole 'modules/role-assignment.bicep' = {
  scope: resourceGroup
  params: {
    principalId: apiIdentity.outputs.principalId
    roleDefinitionId: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

module apiKeyVaultSecretsUserRole 'modules/role-assignment.bicep' = {
  scope: resourceGroup
  params: {
    principalId: apiIdentity.outputs.principalId
    roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
    keyVaultId: keyVault.outputs.id
  }
}

module apiStorageTableDataContributorRole 'modules/role-assignment.bicep' = {
  scope: resourceGroup
  params: {
    principalId: apiIdentity.outputs.principalId
    roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
    storageAccountId: storage.outputs.id
  }
}

module apiStorageBlobDataContributorRole 'modules/role-assignment.bicep' = {
  scope: resourceGroup
  params: {
    principalId: apiIdentity.outputs.principalId
    roleDefinitionId: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
    storageAccountId: storage.outputs.id
  }
}

module webMonitoringMetricsPublisherRole 'modules/role-assignment.bicep' = {
  scope: resourceGroup
  params: {
    principalId: webIdentity.outputs.principalId
    roleDefinitionId: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

module webStorageBlobDataContributorRole 'modules/role-assignment.bicep' = {
  scope: resourceGroup
  params: {
    principalId: webIdentity.outputs.principalId
    roleDefinitionId: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
    storageAccountId: storage.outputs.id
  }
}

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
output AZURE_API_IDENTITY_CLIENT_ID string = apiIdentity.outputs.clientId
output AZURE_WEB_IDENTITY_CLIENT_ID string = webIdentity.outputs.clientId
