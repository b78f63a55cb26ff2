@description('Location of the Cosmos DB account.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the Cosmos DB account.')
param name string

@description('Tables to create (the plan\'s): data-plane roles cannot create a table in Cosmos DB for Table, so every table the API uses is created here.')
param tables array

@description('Object ids of the identities that read and write the tables.')
param dataContributorPrincipalIds array = []

// Cosmos DB for Table: the same Azure.Data.Tables SDK, with continuous backup and point-in-time restore, which
// Table Storage lacks. Data-plane access is Entra ID only (local keys disabled).
resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableTable'
      }
      {
        name: 'EnableServerless'
      }
    ]
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
  }
}

resource tableResources 'Microsoft.DocumentDB/databaseAccounts/tables@2024-11-15' = [
  for table in tables: {
    parent: account
    name: table
    properties: {
      resource: {
        id: table
      }
    }
  }
]

// The built-in Table data contributor role (preview API: Entra ID data-plane access for the Table API).
resource dataContributors 'Microsoft.DocumentDB/databaseAccounts/tableRoleAssignments@2024-12-01-preview' = [
  for principalId in dataContributorPrincipalIds: {
    parent: account
    name: guid(account.id, principalId, 'table-data-contributor')
    properties: {
      principalId: principalId
      roleDefinitionId: '${account.id}/tableRoleDefinitions/00000000-0000-0000-0000-000000000002'
      scope: account.id
    }
  }
]

output id string = account.id
output name string = account.name
output tableEndpoint string = 'https://${account.name}.table.cosmos.azure.com:443/'
