@description('Location of the registry.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the container registry (alphanumeric).')
param name string

@description('Basic or Standard for one region; Premium for geo-replication and private endpoints.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Standard'

@description('Regions to replicate to (Premium only), for example ["westeurope"].')
param replicationLocations array = []

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    // Pulls use the kubelet identity (AcrPull); pushes use Entra ID. No shared admin password.
    adminUserEnabled: false
    anonymousPullEnabled: false
  }
}

resource replications 'Microsoft.ContainerRegistry/registries/replications@2025-04-01' = [
  for replicationLocation in (sku == 'Premium' ? replicationLocations : []): {
    parent: registry
    name: replicationLocation
    location: replicationLocation
    properties: {}
  }
]

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
