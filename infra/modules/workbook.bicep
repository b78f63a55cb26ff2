@description('Location of the workbook.')
param location string

@description('Tags for every resource.')
param tags object

@description('Resource id of the Azure Monitor workspace (Prometheus) the panels query.')
param monitorWorkspaceId string

@description('Name of the AKS cluster: every query selects its series (several clusters may share a workspace).')
param clusterName string

@description('Kubernetes namespace of the workloads.')
param namespace string

// The panels are data (workbook-panels.json): a title and a PromQL query each, as a time chart over the chosen range.
var panels = loadJsonContent('workbook-panels.json').panels

var timeRange = {
  type: 9
  name: 'time-range'
  content: {
    version: 'KqlParameterItem/1.0'
    style: 'pills'
    parameters: [
      {
        id: guid('llmchat-workbook-time-range')
        version: 'KqlParameterItem/1.0'
        name: 'TimeRange'
        label: 'Time range'
        type: 4
        isRequired: true
        value: {
          durationMs: 3600000
        }
        typeSettings: {
          selectableValues: [
            { durationMs: 3600000 }
            { durationMs: 21600000 }
            { durationMs: 86400000 }
            { durationMs: 604800000 }
          ]
        }
      }
    ]
  }
}

var charts = [
  for panel in panels: {
    type: 3
    name: panel.name
    customWidth: '50'
    content: {
      version: 'KqlItem/1.0'
      title: panel.title
      // A Prometheus query item: the provider's own JSON, as a string, against the Azure Monitor workspace.
      query: string({
        version: 'PrometheusQueryProvider/1.0'
        customEndpoint: false
        queryText: replace(replace(panel.query, '{{cluster}}', clusterName), '{{namespace}}', namespace)
        type: 'query_range'
      })
      size: 0
      timeContextFromParameter: 'TimeRange'
      queryType: 16
      resourceType: 'microsoft.monitor/accounts'
      crossComponentResources: [
        monitorWorkspaceId
      ]
      visualization: 'timechart'
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, clusterName, 'llmchat-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'LLM chat: requests, queues and GPUs (${clusterName})'
    category: 'workbook'
    sourceId: toLower(monitorWorkspaceId)
    version: '1.0'
    serializedData: string({
      version: 'Notebook/1.0'
      items: concat([timeRange], charts)
      fallbackResourceIds: [
        monitorWorkspaceId
      ]
    })
  }
}

output id string = workbook.id
