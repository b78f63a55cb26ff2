@description('Location of the data collection resources.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the AKS cluster whose metrics go to managed Prometheus.')
param clusterName string

@description('Resource id of the Azure Monitor workspace.')
param monitorWorkspaceId string

@description('Name of the data collection endpoint.')
param dataCollectionEndpointName string

@description('Name of the data collection rule.')
param dataCollectionRuleName string

resource cluster 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = {
  name: clusterName
}

resource endpoint 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' = {
  name: dataCollectionEndpointName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {}
}

// Managed Prometheus: the cluster's metrics agent sends Prometheus metrics (ours included, from /metrics on port
// 9464) to the Azure Monitor workspace, where KEDA and the alert rules query them.
resource rule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: dataCollectionRuleName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    dataCollectionEndpointId: endpoint.id
    dataSources: {
      prometheusForwarder: [
        {
          name: 'PrometheusDataSource'
          streams: [
            'Microsoft-PrometheusMetrics'
          ]
          labelIncludeFilter: {}
        }
      ]
    }
    destinations: {
      monitoringAccounts: [
        {
          accountResourceId: monitorWorkspaceId
          name: 'MonitoringAccount'
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          'Microsoft-PrometheusMetrics'
        ]
        destinations: [
          'MonitoringAccount'
        ]
      }
    ]
  }
}

resource association 'Microsoft.Insights/dataCollectionRuleAssociations@2023-03-11' = {
  name: 'prometheus-${clusterName}'
  scope: cluster
  properties: {
    dataCollectionRuleId: rule.id
  }
}

output dataCollectionRuleId string = rule.id
