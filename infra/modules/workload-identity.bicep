@description('Location of the identity.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the user-assigned identity.')
param name string

@description('The AKS OIDC issuer URL that signs the service account tokens.')
param oidcIssuerUrl string

@description('Kubernetes namespace of the service account.')
param serviceAccountNamespace string

@description('Kubernetes service account name.')
param serviceAccountName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

// Workload identity: pods running as this service account exchange their token for this identity's; no secret.
resource federation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2024-11-30' = {
  parent: identity
  name: 'aks-${serviceAccountNamespace}-${serviceAccountName}'
  properties: {
    issuer: oidcIssuerUrl
    subject: 'system:serviceaccount:${serviceAccountNamespace}:${serviceAccountName}'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
