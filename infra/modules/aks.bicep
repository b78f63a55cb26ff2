import { nodeResourceGroupName } from 'node-resource-group.bicep'

@description('Location of the cluster.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the cluster.')
param name string

@description('AKS pricing tier: Standard has the uptime SLA (about 72 $/month); Free is for trials.')
@allowed([
  'Free'
  'Standard'
])
param tier string = 'Standard'

@description('CIDR ranges that may reach the API server; empty: any address (Entra ID still authenticates every call).')
param apiAuthorizedIpRanges array = []

@description('The subnet the nodes join (STORES_NETWORK_ACCESS restricted); empty: the VNet AKS manages. Fixed when the cluster is created.')
param nodeSubnetId string = ''

@description('The system pool (cluster add-ons only: it is tainted CriticalAddonsOnly): vmSize, minCount, maxCount, count, zones, maxSurge.')
param systemPool object

@description('User node pools: name, vmSize, minCount, maxCount, count (what the pool has now, or its minimum when new), maxSurge, taints (["key=value:Effect"]), labels, spot.')
param userPools array

@description('Log Analytics workspace for Container Insights and the control plane audit logs.')
param logAnalyticsId string

@description('Turns on Microsoft Defender for Containers on the cluster (also needs the subscription plan).')
param enableDefender bool = false

@description('Resource id of the container registry the kubelet pulls from (AcrPull is granted).')
param registryId string

@description('Object id of the person or pipeline deploying, made cluster admin through Azure RBAC; empty for none.')
param deployerPrincipalId string = ''

@description('Principal type of the deployer.')
@allowed([
  'User'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('Object id of the CI/CD deployment app\'s service principal, also made cluster admin; empty for none. Assigned when an admin provisions, so the role has long taken effect when CI first runs kubectl.')
param deploymentPrincipalId string = ''

resource cluster 'Microsoft.ContainerService/managedClusters@2026-02-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Base'
    tier: tier
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: name
    nodeResourceGroup: nodeResourceGroupName(resourceGroup().name, name, location)
    // The public API server answers only these ranges when set (AKS_API_AUTHORIZED_IP_RANGES); an empty list lifts the
    // restriction. The nodes reach it over the cluster's own path whatever the list says.
    apiServerAccessProfile: {
      authorizedIPRanges: apiAuthorizedIpRanges
    }
    enableRBAC: true
    // Entra ID for people, Azure RBAC for what they may do, and no local admin credentials to leak.
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
      defender: enableDefender
        ? {
            logAnalyticsWorkspaceResourceId: logAnalyticsId
            securityMonitoring: {
              enabled: true
            }
          }
        : null
      imageCleaner: {
        enabled: true
        intervalHours: 48
      }
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    networkProfile: {
      // NetworkPolicies need an engine: Cilium enforces them.
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      loadBalancerSku: 'standard'
    }
    workloadAutoScalerProfile: {
      keda: {
        enabled: true
      }
    }
    azureMonitorProfile: {
      metrics: {
        enabled: true
        kubeStateMetrics: {
          metricLabelsAllowlist: 'nodes=[kubernetes.azure.com/agentpool],pods=[app.kubernetes.io/name]'
          metricAnnotationsAllowList: ''
        }
      }
    }
    addonProfiles: {
      omsagent: {
        enabled: true
        config: {
          logAnalyticsWorkspaceResourceID: logAnalyticsId
          useAADAuth: 'true'
        }
      }
      azureKeyvaultSecretsProvider: {
        enabled: true
        config: {
          enableSecretRotation: 'true'
          rotationPollInterval: '2m'
        }
      }
    }
    // Public traffic enters through the app routing add-on's Gateway API implementation (GatewayClass
    // approuting-istio) on the standard-channel Gateway API CRDs AKS manages. Its managed NGINX, which lost Azure
    // support after November 2026, is not deployed.
    ingressProfile: {
      gatewayAPI: {
        installation: 'Standard'
      }
      webAppRouting: {
        enabled: true
        nginx: {
          defaultIngressControllerType: 'None'
        }
        gatewayAPIImplementations: {
          appRoutingIstio: {
            mode: 'Enabled'
          }
        }
      }
    }
    autoScalerProfile: {
      // GPU nodes are expensive: give an idle one back after 10 minutes, and allow for their slow provisioning.
      'scale-down-unneeded-time': '10m'
      'scale-down-delay-after-add': '10m'
      'max-node-provision-time': '15m'
      expander: 'least-waste'
      'skip-nodes-with-local-storage': 'false'
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        vmSize: systemPool.vmSize
        osType: 'Linux'
        osSKU: 'AzureLinux'
        enableAutoScaling: true
        // AKS requires a count; sending the one the pool has now leaves the cluster autoscaler's decision alone.
        count: systemPool.count
        minCount: systemPool.minCount
        maxCount: systemPool.maxCount
        availabilityZones: systemPool.zones
        vnetSubnetID: empty(nodeSubnetId) ? null : nodeSubnetId
        nodeTaints: [
          'CriticalAddonsOnly=true:NoSchedule'
        ]
        upgradeSettings: {
          maxSurge: systemPool.maxSurge
        }
      }
    ]
  }
}

resource pools 'Microsoft.ContainerService/managedClusters/agentPools@2026-02-01' = [
  for pool in userPools: {
    parent: cluster
    name: pool.name
    properties: {
      mode: 'User'
      vmSize: pool.vmSize
      osType: 'Linux'
      // GPU drivers are best supported on Ubuntu node images.
      osSKU: 'Ubuntu'
      enableAutoScaling: true
      // AKS requires a count; it is what the pool has now (the preprovision hook reads it), so a provision in CI
      // never undoes a scale-out. A new pool starts at its minimum.
      count: pool.count
      minCount: pool.minCount
      maxCount: pool.maxCount
      nodeTaints: pool.taints
      nodeLabels: pool.labels
      vnetSubnetID: empty(nodeSubnetId) ? null : nodeSubnetId
      scaleSetPriority: pool.spot ? 'Spot' : 'Regular'
      scaleSetEvictionPolicy: pool.spot ? 'Delete' : null
      spotMaxPrice: pool.spot ? json('-1') : null
      upgradeSettings: {
        maxSurge: pool.maxSurge
      }
    }
  }
]

resource controlPlaneAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: cluster
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        category: 'kube-audit-admin'
        enabled: true
      }
      {
        category: 'guard'
        enabled: true
      }
      {
        category: 'cluster-autoscaler'
        enabled: true
      }
    ]
  }
}

module kubeletPull 'role-assignment.bicep' = {
  name: 'role-kubelet-acrpull'
  params: {
    principalId: cluster.properties.identityProfile.kubeletidentity.objectId
    roleDefinitionId: '7f951dda-4ed3-4680-a7ca-43fe172d538d' // AcrPull
    registryId: registryId
  }
}

// A cluster in a subnet of ours manages its load balancers and node addresses there as its own identity (AKS docs,
// "Use a managed identity in AKS": outside the node resource group, templates grant Network Contributor themselves).
module subnetNetworkContributor 'role-assignment.bicep' = if (!empty(nodeSubnetId)) {
  name: 'role-cluster-subnet-network-contributor'
  params: {
    principalId: cluster.identity.principalId
    roleDefinitionId: '4d97b98b-1d4f-4787-a291-c67834d212e7' // Network Contributor
    subnetId: nodeSubnetId
  }
}

module deployerAdmin 'role-assignment.bicep' = if (!empty(deployerPrincipalId)) {
  name: 'role-deployer-aks-admin'
  params: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b' // Azure Kubernetes Service RBAC Cluster Admin
    clusterId: cluster.id
  }
}

module deploymentAppAdmin 'role-assignment.bicep' = if (!empty(deploymentPrincipalId) && deploymentPrincipalId != deployerPrincipalId) {
  name: 'role-deployment-app-aks-admin'
  params: {
    principalId: deploymentPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b' // Azure Kubernetes Service RBAC Cluster Admin
    clusterId: cluster.id
  }
}

output id string = cluster.id
output name string = cluster.name
output oidcIssuerUrl string = cluster.properties.oidcIssuerProfile.issuerURL
