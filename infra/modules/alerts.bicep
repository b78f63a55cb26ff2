@description('Location of the Prometheus rule groups and query rules.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the action group.')
param actionGroupName string

@description('Email addresses alerted; empty to create the rules without receivers.')
param alertEmails array = []

@description('Resource id of the AKS cluster.')
param clusterId string

@description('Name of the AKS cluster.')
param clusterName string

@description('Resource id of the Azure Monitor workspace (Prometheus).')
param monitorWorkspaceId string

@description('Kubernetes namespace of the workloads.')
param namespace string

@description('Name of the GPU node pool.')
param gpuPoolName string

@description('Maximum node count of the GPU pool: an alert fires when the pool stays at it.')
param gpuPoolMaxCount int

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take(replace(actionGroupName, '-', ''), 12)
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

// CPU above 80 % for 15 minutes on any one node (split by node: a cluster average hides one hot node).
resource nodeCpu 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'node-cpu-over-80'
  location: 'global'
  tags: tags
  properties: {
    description: 'A node has used more than 80 % CPU for 15 minutes.'
    targetResourceType: 'Microsoft.ContainerService/managedClusters'
    severity: 2
    enabled: true
    scopes: [
      clusterId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'NodeCpu'
          metricNamespace: 'Microsoft.ContainerService/managedClusters'
          metricName: 'node_cpu_usage_percentage'
          dimensions: [
            {
              name: 'node'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 80
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// Kubernetes and LLM conditions, from managed Prometheus (kube-state-metrics, cAdvisor and our /metrics).
resource kubernetesRules 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = {
  name: 'llmchat-kubernetes-alerts'
  location: location
  tags: tags
  properties: {
    description: 'Pod CPU, restarts, CrashLoopBackOff, autoscalers at their maximum, HTTP 5xx, GPU memory, XID errors and idle GPUs with a queue, the LLM circuit breaker.'
    scopes: [
      monitorWorkspaceId
      clusterId
    ]
    clusterName: clusterName
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        alert: 'PodCpuOver80Percent'
        expression: 'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace="${namespace}", container!=""}[5m])) / sum by (namespace, pod) (kube_pod_container_resource_limits{namespace="${namespace}", resource="cpu"}) > 0.8'
        for: 'PT10M'
        severity: 2
        labels: {
          team: 'llmchat'
        }
        annotations: {
          description: 'Pod {{ $labels.pod }} has used more than 80 % of its CPU limit for 10 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        alert: 'PodRestarting'
        expression: 'increase(kube_pod_container_status_restarts_total{namespace="${namespace}"}[15m]) > 2'
        for: 'PT5M'
        severity: 2
        annotations: {
          description: 'Container {{ $labels.container }} of {{ $labels.pod }} restarted more than twice in 15 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        alert: 'PodCrashLoopBackOff'
        expression: 'max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{namespace="${namespace}", reason="CrashLoopBackOff"}) == 1'
        for: 'PT5M'
        severity: 1
        annotations: {
          description: 'Container {{ $labels.container }} of {{ $labels.pod }} is in CrashLoopBackOff.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        alert: 'AutoscalerAtMaximum'
        expression: 'kube_horizontalpodautoscaler_status_current_replicas{namespace="${namespace}"} >= kube_horizontalpodautoscaler_spec_max_replicas{namespace="${namespace}"}'
        for: 'PT15M'
        severity: 2
        annotations: {
          description: 'Autoscaler {{ $labels.horizontalpodautoscaler }} has been at its maximum for 15 minutes: raise the maximum or the capacity.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        alert: 'GpuPoolAtMaximum'
        expression: 'count(kube_node_labels{label_kubernetes_azure_com_agentpool="${gpuPoolName}"}) >= ${gpuPoolMaxCount}'
        for: 'PT15M'
        severity: 2
        annotations: {
          description: 'The GPU pool has been at its maximum of ${gpuPoolMaxCount} nodes for 15 minutes: requests queue or are refused.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        // From managed Prometheus (both services export their request counts), not from the logs: the Log Analytics
        // daily cap stops log ingestion and would silence a log-based rule exactly when errors flood the logs.
        alert: 'Http5xxOver5Percent'
        expression: 'sum(rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[10m])) / sum(rate(http_server_request_duration_seconds_count[10m])) > 0.05 and sum(increase(http_server_request_duration_seconds_count[10m])) >= 20'
        for: 'PT5M'
        severity: 1
        annotations: {
          description: 'More than 5 % of HTTP requests to the web and the API failed with 5xx in the last 10 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        // NVIDIA's DCGM exporter on the GPU pool (framebuffer used and free, in MiB): a model and its cache fill most of
        // a GPU by design; past 95 % a longer context or one more slot fails to load.
        alert: 'GpuMemoryNearFull'
        expression: 'max by (node, gpu) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)) > 0.95'
        for: 'PT10M'
        severity: 2
        annotations: {
          description: 'GPU {{ $labels.gpu }} on {{ $labels.node }} has had more than 95 % of its memory in use for 10 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        // The last XID error the driver reported (0: none since the exporter started): a GPU fault, a driver error, or
        // a model server killed for memory. The node usually needs draining.
        alert: 'GpuXidError'
        expression: 'max by (node, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0'
        for: 'PT1M'
        severity: 1
        annotations: {
          description: 'GPU {{ $labels.gpu }} on {{ $labels.node }} reported XID error {{ $value }}: drain the node if it repeats.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        // A model's GPUs idle while requests wait for it: its scaler or its model server is stuck. The exporter names
        // the pod holding each GPU; the model's id is its Deployment's name after "ollama-" (ollama-<id>-<hash>-<hash>),
        // the backend label of the API's queue.
        alert: 'GpuIdleWhileQueued'
        expression: 'max by (backend) (label_replace(DCGM_FI_DEV_GPU_UTIL{namespace="${namespace}"}, "backend", "$1", "pod", "ollama-(.+)-[a-z0-9]+-[a-z0-9]+")) < 5 and on (backend) sum by (backend) (llm_requests_queued) > 0'
        for: 'PT10M'
        severity: 1
        annotations: {
          description: 'The GPUs of {{ $labels.backend }} have been idle for 10 minutes while requests wait for it: check its autoscaler and its model server.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
      {
        alert: 'LlmCircuitOpen'
        expression: 'max by (backend) (llm_circuit_breaker_state) == 2'
        for: 'PT2M'
        severity: 1
        annotations: {
          description: 'The API has stopped calling the {{ $labels.backend }} model server after repeated failures.'
        }
        actions: [
          {
            actionGroupId: actionGroup.id
          }
        ]
      }
    ]
  }
}
