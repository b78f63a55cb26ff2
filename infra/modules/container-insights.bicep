@description('Location of the data collection rule.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the AKS cluster whose container logs and inventory are collected.')
param clusterName string

@description('Log Analytics workspace that receives the data.')
param logAnalyticsId string

@description('Name of the data collection rule.')
param dataCollectionRuleName string

@description('How often the agent collects inventory and performance data.')
param interval string = '1m'

resource cluster 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = {
  name: clusterName
}

// With managed identity (useAADAuth) the monitoring agent collects only what a data collection rule associated with
// the cluster names: without this rule and its association, Container Insights collects nothing.
resource rule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: dataCollectionRuleName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    dataSources: {
      extensions: [
        {
          name: 'ContainerInsightsExtension'
          streams: [
            'Microsoft-ContainerInsights-Group-Default'
          ]
          extensionName: 'ContainerInsights'
          extensionSettings: {
            dataCollectionSettings: {
              interval: interval
              namespaceFilteringMode: 'Off'
              enableContainerLogV2: true
            }
          }
        }
      ]
    }
    destinations: {
      logAnalytics: [
        {
          workspaceResourceId: logAnalyticsId
          name: 'ciworkspace'
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          'Microsoft-ContainerInsights-Group-Default'
        ]
        destinations: [
          'ciworkspace'
        ]
      }
    ]
  }
}

resource association 'Microsoft.Insights/dataCollectionRuleAssociations@2023-03-11' = {
  name: 'ContainerInsightsExtension'
  scope: cluster
  properties: {
    dataCollectionRuleId: rule.id
    description: 'Container Insights: container logs, inventory and performance of the cluster.'
  }
}

output dataCollectionRuleId string = rule.id
