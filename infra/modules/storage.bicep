@description('Location of the storage account.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Tables to create (the plan\'s: every table the API uses, named once in Api/Shared/TableNames.cs).')
param tables array

@description('Blob containers to create (the plan\'s: the backups and the web\'s key ring). Blob versioning and soft delete keep earlier versions.')
param blobContainers array

@description('Containers whose blob versions no one may change or delete for a number of days, whatever their role (version-level WORM): name, days, protectedAppendWrites (append blobs may still grow).')
param immutableContainers array = []

@description('Days deleted blobs and earlier versions are kept.')
@minValue(1)
@maxValue(365)
param backupRetentionDays int = 35

@description('Who may reach the account over the network: restricted (else any network), the nodes\' subnet (subnetId), and ipRules (addresses of the machines that deploy).')
param network object = {
  restricted: false
  subnetId: ''
  ipRules: []
}

@description('Log Analytics workspace for the diagnostic logs.')
param logAnalyticsId string

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    // Entra ID only: the account keys cannot be used for data access.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    // Restricted: the account answers the nodes' subnet (its service endpoint), the listed addresses, and trusted
    // Azure services; anyone else gets 403 AuthorizationFailure whatever their role.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: network.restricted ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      virtualNetworkRules: network.restricted
        ? [
            {
              id: network.subnetId
              action: 'Allow'
            }
          ]
        : []
      ipRules: network.restricted ? map(network.ipRules, r => { value: r, action: 'Allow' }) : []
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource tableResources 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for table in tables: {
    parent: tableService
    name: table
  }
]

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: backupRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: backupRetentionDays
    }
  }
}

// Each container holds one workload's data; roles are granted per container (main.bicep, roleAssignments).
resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for container in blobContainers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
      // Version-level immutability (it needs the account's versioning, on above); the retention is the default policy below.
      immutableStorageWithVersioning: {
        enabled: contains(map(immutableContainers, c => c.name), container)
      }
    }
  }
]

// Each version written to these containers is kept unchanged for its days: neither the API nor an account owner can
// delete or overwrite it (an overwrite makes a new version; the old one stays). Unlocked, so the period can be raised.
resource immutabilityPolicies 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2025-01-01' = [
  for policy in immutableContainers: {
    parent: containers[indexOf(blobContainers, policy.name)]
    name: 'default'
    properties: {
      immutabilityPeriodSinceCreationInDays: policy.days
      allowProtectedAppendWritesAll: policy.protectedAppendWrites
    }
  }
]

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output id string = account.id
output name string = account.name
output tableEndpoint string = account.properties.primaryEndpoints.table
output blobEndpoint string = account.properties.primaryEndpoints.blob
