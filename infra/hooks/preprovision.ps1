# Before `azd provision` (Windows): the same steps, in the same order, as preprovision.sh.
# infra/hooks/deployment.env (generated from the AppHost model) says what to create; this file says how.
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true
Set-Location (Join-Path $PSScriptRoot '../..')
$plan = @{}
Get-Content infra/hooks/deployment.env | Where-Object { $_ -match "^([A-Z0-9_]+)='(.*)'$" } | ForEach-Object { $plan[$Matches[1]] = $Matches[2] }
$envValues = @{}
azd env get-values | ForEach-Object { if ($_ -match '^([^=]+)="?(.*?)"?$') { $envValues[$Matches[1]] = $Matches[2] } }
function Split-List([string] $value) { @($value -split ' ' | Where-Object { $_ }) }

if (-not $envValues.WEB_HOSTNAME) { throw 'Set the public host name: azd env set WEB_HOSTNAME chat.example.com' }
foreach ($name in Split-List $plan.REQUIRED_SECRETS) {
  if (-not $envValues[$name]) { throw "Set the secret ${name}: azd env set $name <value>" }
}

# Generated secrets live in the azd environment, so a second provision writes the same value, not a new one.
foreach ($name in Split-List $plan.GENERATED_SECRETS) {
  if (-not $envValues[$name]) {
    Write-Host "Generating the secret $name..."
    azd env set $name ([Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(24)).ToLowerInvariant())
  }
}

$apiApp = $envValues.ENTRA_API_CLIENT_ID
if (-not $apiApp) {
  Write-Host 'Creating the API app registration...'
  $apiApp = az ad app create --display-name "llmchat-api-$($envValues.AZURE_ENV_NAME)" --sign-in-audience AzureADMyOrg --query appId -o tsv
  az ad app update --id $apiApp --identifier-uris "api://$apiApp"
  az ad sp create --id $apiApp | Out-Null
  azd env set ENTRA_API_CLIENT_ID $apiApp
}

$webApp = $envValues.ENTRA_WEB_CLIENT_ID
if (-not $webApp) {
  Write-Host 'Creating the web app registration...'
  $webApp = az ad app create --display-name "llmchat-web-$($envValues.AZURE_ENV_NAME)" --sign-in-audience AzureADMyOrg --web-redirect-uris "https://$($envValues.WEB_HOSTNAME)/signin-oidc" --query appId -o tsv
  az ad sp create --id $webApp | Out-Null
  azd env set ENTRA_WEB_CLIENT_ID $webApp
}

# The API's 'chat' scope, with the web pre-authorized for it: no consent prompt, so tenants that block user consent
# can sign in. The body goes to Microsoft Graph as a file: az.cmd strips the quotes of a JSON argument.
Write-Host "The API's scope, pre-authorized for the web..."
$scopeId = az ad app show --id $apiApp --query "api.oauth2PermissionScopes[?value=='chat'].id | [0]" -o tsv
if (-not $scopeId) { $scopeId = [Guid]::NewGuid().ToString() }
$scope = [ordered]@{ id = $scopeId; value = 'chat'; type = 'User'; isEnabled = $true; adminConsentDisplayName = 'Use the chat'; adminConsentDescription = 'Send messages and read conversations as the signed-in user.'; userConsentDisplayName = 'Use the chat'; userConsentDescription = 'Send messages and read your conversations.' }
$body = @{ api = [ordered]@{ requestedAccessTokenVersion = 2; oauth2PermissionScopes = @($scope); preAuthorizedApplications = @([ordered]@{ appId = $webApp; delegatedPermissionIds = @($scopeId) }) } } | ConvertTo-Json -Depth 6 -Compress
$bodyFile = New-TemporaryFile
try {
  Set-Content -Path $bodyFile -Value $body -NoNewline
  az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications(appId='$apiApp')" --headers Content-Type=application/json --body "@$bodyFile"
}
finally {
  Remove-Item $bodyFile
}
