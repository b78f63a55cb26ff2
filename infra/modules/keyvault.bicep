@description('Location of the vault.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the vault.')
param name string

@description('Purge protection: a deleted vault and its secrets are recoverable for 90 days and cannot be purged early. Irreversible once on.')
param purgeProtection bool = true

@description('Who may reach the vault over the network: restricted (else any network), the nodes\' subnet (subnetId), and ipRules (addresses of the machines that deploy).')
param network object = {
  restricted: false
  subnetId: ''
  ipRules: []
}

@description('Log Analytics workspace for the audit logs.')
param logAnalyticsId string

@description('RSA keys to create (wrapping keys that never leave the vault, such as the web\'s key ring key).')
param keys array = []

@description('Secrets to create: name (Key Vault name, -- separates configuration sections) and value.')
@secure()
param secrets object = {}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access by Azure RBAC only: identities get roles on the vault or on single secrets, never access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Irreversible once on: a deleted vault (and its secrets) can be recovered for 90 days, never purged early. Its
    // name stays taken meanwhile: `azd down` then `azd up` needs `azd env set AZURE_KEY_VAULT_NAME_SUFFIX 2`.
    enablePurgeProtection: purgeProtection ? true : null
    // Restricted: the vault answers the nodes' subnet (its service endpoint), the listed addresses, and trusted Azure
    // services; anyone else gets 403 ForbiddenByFirewall whatever their role.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: network.restricted ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      virtualNetworkRules: network.restricted
        ? [
            {
              id: network.subnetId
              ignoreMissingVnetServiceEndpoint: false
            }
          ]
        : []
      ipRules: network.restricted ? map(network.ipRules, r => { value: r }) : []
    }
  }
}

resource secretResources 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [
  for secret in items(secrets): {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
      contentType: 'text/plain'
    }
  }
]

resource keyResources 'Microsoft.KeyVault/vaults/keys@2024-11-01' = [
  for key in keys: {
    parent: vault
    name: key
    properties: {
      kty: 'RSA'
      keySize: 3072
      keyOps: [
        'wrapKey'
        'unwrapKey'
      ]
      rotationPolicy: {
        attributes: {
          expiryTime: 'P2Y'
        }
        lifetimeActions: [
          {
            trigger: {
              timeBeforeExpiry: 'P30D'
            }
            action: {
              type: 'rotate'
            }
          }
        ]
      }
    }
  }
]

resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: vault
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
