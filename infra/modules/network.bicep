@description('Location of the network.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the virtual network.')
param name string

// The nodes' subnet, with service endpoints for Storage and Key Vault: traffic from the nodes (and so from the pods,
// whose overlay addresses leave the node as its own) reaches both as this subnet, which their network rules admit.
// A storage account's IP rules cannot admit clients of its own region (learn.microsoft.com
// azure/storage/common/storage-network-security-limitations): a subnet rule is the way in for the cluster.
// 10.224.0.0/12 stays clear of AKS's default overlay pod range (10.244.0.0/16) and service range (10.0.0.0/16).
resource network 'Microsoft.Network/virtualNetworks@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.224.0.0/12'
      ]
    }
    subnets: [
      {
        name: 'nodes'
        properties: {
          addressPrefix: '10.224.0.0/16'
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
              locations: [
                location
              ]
            }
            {
              service: 'Microsoft.KeyVault'
              locations: [
                '*'
              ]
            }
          ]
        }
      }
    ]
  }
}

output nodeSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', network.name, 'nodes')
