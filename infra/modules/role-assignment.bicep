@description('Object id of the principal that gets the role.')
param principalId string

@description('Role definition id (a GUID) of a built-in role.')
param roleDefinitionId string

@description('Kind of principal: ServicePrincipal for managed identities, User for people.')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string = 'ServicePrincipal'

@description('Resource id of a Key Vault to scope the assignment to; empty for the resource group.')
param keyVaultId string = ''

@description('With keyVaultId: one secret of the vault to scope the assignment to instead of the vault.')
param keyVaultSecretName string = ''

@description('With keyVaultId: one key of the vault to scope the assignment to instead of the vault.')
param keyVaultKeyName string = ''

@description('Resource id of a storage account to scope the assignment to; empty for the resource group.')
param storageAccountId string = ''

@description('With storageAccountId: one blob container of the account to scope the assignment to instead of the account.')
param blobContainerName string = ''

@description('Resource id of a container registry to scope the assignment to; empty for the resource group.')
param registryId string = ''

@description('Resource id of an Azure Monitor workspace to scope the assignment to; empty for the resource group.')
param monitorWorkspaceId string = ''

@description('Resource id of an Application Insights component to scope the assignment to; empty for the resource group.')
param applicationInsightsId string = ''

@description('Resource id of an AKS cluster to scope the assignment to; empty for the resource group.')
param clusterId string = ''

@description('Resource id of a virtual network\'s subnet to scope the assignment to; empty for none.')
param subnetId string = ''

// One module for every scope keeps least privilege readable: each assignment names the one resource it covers, down
// to a single blob container, secret or key where a workload needs no more.
resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = if (!empty(keyVaultId)) {
  name: last(split(keyVaultId, '/'))
}

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' existing = if (!empty(storageAccountId)) {
  name: last(split(storageAccountId, '/'))

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: empty(blobContainerName) ? 'none' : blobContainerName
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' existing = if (!empty(keyVaultSecretName)) {
  parent: vault
  name: empty(keyVaultSecretName) ? 'none' : keyVaultSecretName
}

resource key 'Microsoft.KeyVault/vaults/keys@2024-11-01' existing = if (!empty(keyVaultKeyName)) {
  parent: vault
  name: empty(keyVaultKeyName) ? 'none' : keyVaultKeyName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = if (!empty(registryId)) {
  name: last(split(registryId, '/'))
}

resource monitorWorkspace 'Microsoft.Monitor/accounts@2023-04-03' existing = if (!empty(monitorWorkspaceId)) {
  name: last(split(monitorWorkspaceId, '/'))
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = if (!empty(applicationInsightsId)) {
  name: last(split(applicationInsightsId, '/'))
}

resource cluster 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = if (!empty(clusterId)) {
  name: last(split(clusterId, '/'))
}

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-07-01' existing = if (!empty(subnetId)) {
  name: empty(subnetId) ? 'none' : split(subnetId, '/')[8]

  resource subnet 'subnets' existing = {
    name: empty(subnetId) ? 'none' : last(split(subnetId, '/'))
  }
}

var role = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)

resource onSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultSecretName)) {
  name: guid(keyVaultId, keyVaultSecretName, principalId, roleDefinitionId)
  scope: secret
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultKeyName)) {
  name: guid(keyVaultId, keyVaultKeyName, principalId, roleDefinitionId)
  scope: key
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onContainer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(blobContainerName)) {
  name: guid(storageAccountId, blobContainerName, principalId, roleDefinitionId)
  scope: account::blobService::container
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultId) && empty(keyVaultSecretName) && empty(keyVaultKeyName)) {
  name: guid(keyVaultId, principalId, roleDefinitionId)
  scope: vault
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(storageAccountId) && empty(blobContainerName)) {
  name: guid(storageAccountId, principalId, roleDefinitionId)
  scope: account
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onRegistry 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(registryId)) {
  name: guid(registryId, principalId, roleDefinitionId)
  scope: registry
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onMonitorWorkspace 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(monitorWorkspaceId)) {
  name: guid(monitorWorkspaceId, principalId, roleDefinitionId)
  scope: monitorWorkspace
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onApplicationInsights 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(applicationInsightsId)) {
  name: guid(applicationInsightsId, principalId, roleDefinitionId)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onCluster 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(clusterId)) {
  name: guid(clusterId, principalId, roleDefinitionId)
  scope: cluster
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}

resource onSubnet 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(subnetId)) {
  name: guid(subnetId, principalId, roleDefinitionId)
  scope: virtualNetwork::subnet
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: role
  }
}
