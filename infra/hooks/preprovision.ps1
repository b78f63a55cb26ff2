# Generated (AppHost/Deployment). Before `azd provision`: the Entra ID app registrations (Bicep cannot create
# them) and the settings the deployment needs from you. Idempotent.
$ErrorActionPreference = 'Stop'
$envValues = @{}
azd env get-values | ForEach-Object { if ($_ -match '^([^=]+)="?(.*?)"?$') { $envValues[$Matches[1]] = $Matches[2] } }

if (-not $envValues.WEB_HOSTNAME) { throw 'Set the public host name: azd env set WEB_HOSTNAME chat.example.com' }

if (-not $envValues.ENTRA_API_CLIENT_ID) {
  Write-Host 'Creating the API app registration...'
  $apiApp = az ad app create --display-name "llmchat-api-$($envValues.AZURE_ENV_NAME)" --sign-in-audience AzureADMyOrg --query appId -o tsv
  $api = @{ requestedAccessTokenVersion = 2; oauth2PermissionScopes = @(@{ id = [Guid]::NewGuid().ToString(); value = 'chat'; type = 'User'; isEnabled = $true; adminConsentDisplayName = 'Use the chat'; adminConsentDescription = 'Send messages and read conversations as the signed-in user.' }) } | ConvertTo-Json -Depth 5 -Compress
  az ad app update --id $apiApp --identifier-uris "api://$apiApp" --set "api=$api"
  az ad sp create --id $apiApp | Out-Null
  azd env set ENTRA_API_CLIENT_ID $apiApp
}

if (-not $envValues.ENTRA_WEB_CLIENT_ID) {
  Write-Host 'Creating the web app registration...'
  $webApp = az ad app create --display-name "llmchat-web-$($envValues.AZURE_ENV_NAME)" --sign-in-audience AzureADMyOrg --web-redirect-uris "https://$($envValues.WEB_HOSTNAME)/signin-oidc" --query appId -o tsv
  az ad sp create --id $webApp | Out-Null
  azd env set ENTRA_WEB_CLIENT_ID $webApp
}
