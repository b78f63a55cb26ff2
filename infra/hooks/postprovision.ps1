# After `azd provision` (Windows): the same steps, in the same order, as postprovision.sh.
# infra/hooks/deployment.env (generated from the AppHost model) says what; this file says how. Idempotent.
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true
Set-Location (Join-Path $PSScriptRoot '../..')
$plan = @{}
Get-Content infra/hooks/deployment.env | Where-Object { $_ -match "^([A-Z0-9_]+)='(.*)'$" } | ForEach-Object { $plan[$Matches[1]] = $Matches[2] }
$envValues = @{}
azd env get-values | ForEach-Object { if ($_ -match '^([^=]+)="?(.*?)"?$') { $envValues[$Matches[1]] = $Matches[2] } }
function Split-List([string] $value) { @($value -split ' ' | Where-Object { $_ }) }
$work = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) ([Guid]::NewGuid()))

try {
  Write-Host 'Cluster credentials (Entra ID through kubelogin)...'
  az aks get-credentials --resource-group $envValues.AZURE_RESOURCE_GROUP --name $envValues.AZURE_AKS_CLUSTER_NAME --overwrite-existing
  kubelogin convert-kubeconfig -l azurecli

  # The web signs in to Entra ID with its service account's token: its app registration trusts tokens the cluster's
  # OIDC issuer signs for that one service account. JSON goes to az as a file: az.cmd strips quotes from arguments.
  Write-Host "The web's federated credential (issuer: the cluster; subject: its service account)..."
  $credential = "aks-$($plan.K8S_NAMESPACE)-$($plan.WEB_SERVICE_ACCOUNT)"
  $credentialFile = Join-Path $work 'credential.json'
  [ordered]@{ name = $credential; issuer = $envValues.AZURE_AKS_OIDC_ISSUER_URL; subject = "system:serviceaccount:$($plan.K8S_NAMESPACE):$($plan.WEB_SERVICE_ACCOUNT)"; audiences = @('api://AzureADTokenExchange'); description = 'The llmchat web pods on AKS.' } |
    ConvertTo-Json -Compress | Set-Content -Path $credentialFile -NoNewline
  $issuer = az ad app federated-credential list --id $envValues.ENTRA_WEB_CLIENT_ID --query "[?name=='$credential'].issuer | [0]" -o tsv
  if (-not $issuer) {
    az ad app federated-credential create --id $envValues.ENTRA_WEB_CLIENT_ID --parameters "@$credentialFile" | Out-Null
  }
  elseif ($issuer -ne $envValues.AZURE_AKS_OIDC_ISSUER_URL) {
    az ad app federated-credential update --id $envValues.ENTRA_WEB_CLIENT_ID --federated-credential-id $credential --parameters "@$credentialFile"
  }

  if (-not $envValues.WEB_TLS_CERTIFICATE_URI) {
    Write-Host "No TLS certificate given: creating a self-signed one for $($envValues.WEB_HOSTNAME) in Key Vault (replace it with a CA-issued one)..."
    $policyFile = Join-Path $work 'policy.json'
    (az keyvault certificate get-default-policy) -replace 'CN=CLIGetDefaultPolicy', "CN=$($envValues.WEB_HOSTNAME)" | Set-Content -Path $policyFile
    az keyvault certificate create --vault-name $envValues.AZURE_KEY_VAULT_NAME --name web-tls --policy "@$policyFile" | Out-Null
    $envValues.WEB_TLS_CERTIFICATE_URI = "$($envValues.AZURE_KEY_VAULT_ENDPOINT.TrimEnd('/'))/certificates/web-tls"
    azd env set WEB_TLS_CERTIFICATE_URI $envValues.WEB_TLS_CERTIFICATE_URI
  }

  function Test-Tag([string] $repository, [string] $tag) {
    $PSNativeCommandUseErrorActionPreference = $false
    $tags = az acr repository show-tags --name $envValues.AZURE_CONTAINER_REGISTRY_NAME --repository $repository -o tsv 2>$null
    return @($tags) -contains $tag
  }

  Write-Host 'Third-party images, imported into the registry (the cluster pulls nothing from public registries)...'
  foreach ($source in Split-List $plan.EXTERNAL_IMAGES) {
    $path = $source.Substring($source.IndexOf('/') + 1)
    $repository, $tag = $path -split ':', 2
    if (-not (Test-Tag $repository $tag)) {
      if ($env:DOCKERHUB_USERNAME -and $source.StartsWith('docker.io/')) {
        az acr import --name $envValues.AZURE_CONTAINER_REGISTRY_NAME --source $source --image $path --username $env:DOCKERHUB_USERNAME --password $env:DOCKERHUB_TOKEN
      }
      else {
        az acr import --name $envValues.AZURE_CONTAINER_REGISTRY_NAME --source $source --image $path
      }
    }
  }

  Write-Host 'Model images (pulled once at build time, in the registry)...'
  foreach ($entry in Split-List $plan.MODEL_IMAGES) {
    $image, $model = $entry -split '=', 2
    $repository = $image.Substring(0, $image.LastIndexOf(':'))
    $tag = $image.Substring($image.LastIndexOf(':') + 1)
    if (-not (Test-Tag $repository $tag)) {
      az acr build --registry $envValues.AZURE_CONTAINER_REGISTRY_NAME --image $image --build-arg "MODEL=$model" --build-arg "OLLAMA_IMAGE=$($envValues.AZURE_CONTAINER_REGISTRY_ENDPOINT)/$($plan.OLLAMA_IMAGE)" --build-arg "BASE_IMAGE=$($envValues.AZURE_CONTAINER_REGISTRY_ENDPOINT)/$($plan.BUSYBOX_IMAGE)" infra/models
    }
  }

  # The same rule azd applies to a service's *.tmpl.yaml files: {{.Env.NAME}} becomes the azd value. An unset value
  # stops the hook here rather than reaching the cluster.
  Write-Host 'Cluster manifests...'
  $manifests = New-Item -ItemType Directory -Path (Join-Path $work 'manifests')
  foreach ($file in Get-ChildItem $plan.CLUSTER_MANIFESTS -Filter *.tmpl.yaml | Sort-Object Name) {
    $content = Get-Content $file.FullName -Raw
    foreach ($match in [regex]::Matches($content, '\{\{\.Env\.([A-Za-z0-9_]+)\}\}')) {
      $name = $match.Groups[1].Value
      if (-not $envValues.ContainsKey($name)) { throw "$name is not set in the azd environment" }
      $content = $content.Replace($match.Value, $envValues[$name])
    }
    Set-Content -Path (Join-Path $manifests ($file.Name -replace '\.tmpl\.yaml$', '.yaml')) -Value $content -NoNewline
  }
  kubectl apply --server-side --field-manager=llmchat-postprovision -f (Join-Path $manifests 'namespace.yaml')
  kubectl apply --server-side --field-manager=llmchat-postprovision -f $manifests

  # The AKS KEDA add-on's operator authenticates to Azure (the Prometheus query API) only as a workload identity:
  # its service account names the identity and the operator restarts to get the token.
  if ($plan.KEDA_IDENTITY_CLIENT_ID_VARIABLE) {
    Write-Host "KEDA's workload identity..."
    $kedaClientId = $envValues[$plan.KEDA_IDENTITY_CLIENT_ID_VARIABLE]
    if (-not $kedaClientId) { throw "$($plan.KEDA_IDENTITY_CLIENT_ID_VARIABLE) is not set in the azd environment" }
    kubectl annotate serviceaccount keda-operator --namespace kube-system "azure.workload.identity/client-id=$kedaClientId" --overwrite
    kubectl rollout restart deployment keda-operator --namespace kube-system
    kubectl rollout status deployment keda-operator --namespace kube-system --timeout=300s
  }
}
finally {
  Remove-Item -Recurse -Force $work
}
