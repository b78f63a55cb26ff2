# Generated (AppHost/Deployment). After `azd provision`: cluster access, the web's federated credential,
# the model images, and the cluster-wide manifests (namespace, policies, device plugin, Ollama, KEDA).
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')
$envValues = @{}
azd env get-values | ForEach-Object { if ($_ -match '^([^=]+)="?(.*?)"?$') { $envValues[$Matches[1]] = $Matches[2] } }

Write-Host 'Cluster credentials (Entra ID through kubelogin)...'
az aks get-credentials --resource-group $envValues.AZURE_RESOURCE_GROUP --name $envValues.AZURE_AKS_CLUSTER_NAME --overwrite-existing
kubelogin convert-kubeconfig -l azurecli

Write-Host 'The web signs in to Entra ID with its managed identity (no client secret)...'
$identityId = az identity list -g $envValues.AZURE_RESOURCE_GROUP --query "[?clientId=='$($envValues.AZURE_WEB_IDENTITY_CLIENT_ID)'].id | [0]" -o tsv
$objectId = az identity show --ids $identityId --query principalId -o tsv
if (-not (az ad app federated-credential list --id $envValues.ENTRA_WEB_CLIENT_ID --query "[?name=='aks-web-identity']" -o tsv)) {
  $credential = @{ name = 'aks-web-identity'; issuer = "https://login.microsoftonline.com/$($envValues.AZURE_TENANT_ID)/v2.0"; subject = $objectId; audiences = @('api://AzureADTokenExchange') } | ConvertTo-Json -Compress
  az ad app federated-credential create --id $envValues.ENTRA_WEB_CLIENT_ID --parameters $credential
}

if (-not $envValues.WEB_TLS_CERTIFICATE_URI) {
  Write-Host "No TLS certificate given: creating a self-signed one for $($envValues.WEB_HOSTNAME) in Key Vault (replace it with a CA-issued one)..."
  $policy = (az keyvault certificate get-default-policy) -replace 'CN=CLIGetDefaultPolicy', "CN=$($envValues.WEB_HOSTNAME)"
  $policyFile = New-TemporaryFile
  Set-Content -Path $policyFile -Value $policy
  az keyvault certificate create --vault-name $envValues.AZURE_KEY_VAULT_NAME --name web-tls --policy "@$policyFile" | Out-Null
  Remove-Item $policyFile
  $envValues.WEB_TLS_CERTIFICATE_URI = "$($envValues.AZURE_KEY_VAULT_ENDPOINT.TrimEnd('/'))/certificates/web-tls"
  azd env set WEB_TLS_CERTIFICATE_URI $envValues.WEB_TLS_CERTIFICATE_URI
}

Write-Host 'Model images (pulled once at build time, in the registry)...'
if (-not ((az acr repository show-tags --name $envValues.AZURE_CONTAINER_REGISTRY_NAME --repository 'ollama-models/llama3-1-8b-instruct-q4-k-m' -o tsv 2>$null) -contains '0.17.1')) {
  az acr build --registry $envValues.AZURE_CONTAINER_REGISTRY_NAME --image 'ollama-models/llama3-1-8b-instruct-q4-k-m:0.17.1' --build-arg 'MODEL=llama3.1:8b-instruct-q4_K_M' --build-arg 'OLLAMA_IMAGE=docker.io/ollama/ollama:0.17.1' infra/models
}
if (-not ((az acr repository show-tags --name $envValues.AZURE_CONTAINER_REGISTRY_NAME --repository 'ollama-models/qwen2-5-0-5b-instruct-q4-k-m' -o tsv 2>$null) -contains '0.17.1')) {
  az acr build --registry $envValues.AZURE_CONTAINER_REGISTRY_NAME --image 'ollama-models/qwen2-5-0-5b-instruct-q4-k-m:0.17.1' --build-arg 'MODEL=qwen2.5:0.5b-instruct-q4_K_M' --build-arg 'OLLAMA_IMAGE=docker.io/ollama/ollama:0.17.1' infra/models
}

Write-Host 'Cluster manifests...'
$rendered = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) ([Guid]::NewGuid()))
foreach ($file in Get-ChildItem infra/k8s/cluster -Filter *.yaml | Where-Object Name -ne 'kustomization.yaml') {
  $content = Get-Content $file.FullName -Raw
  foreach ($match in [regex]::Matches($content, '\{\{\.Env\.([A-Z0-9_]+)\}\}')) {
    $name = $match.Groups[1].Value
    if (-not $envValues.ContainsKey($name)) { throw "$name is not set in the azd environment" }
    $content = $content.Replace($match.Value, $envValues[$name])
  }
  Set-Content -Path (Join-Path $rendered $file.Name) -Value $content -NoNewline
}
kubectl apply --server-side -f (Join-Path $rendered 'namespace.yaml')
kubectl apply --server-side -f $rendered
Remove-Item -Recurse -Force $rendered
