#!/bin/sh
# Generated (AppHost/Deployment). Before `azd provision`: the Entra ID app registrations (Bicep cannot create
# them) and the settings the deployment needs from you. Idempotent.
set -eu
eval "$(azd env get-values)"

: "${WEB_HOSTNAME:?Set the public host name: azd env set WEB_HOSTNAME chat.example.com}"

if [ -z "${ENTRA_API_CLIENT_ID:-}" ]; then
  echo "Creating the API app registration..."
  api_app=$(az ad app create --display-name "llmchat-api-$AZURE_ENV_NAME" --sign-in-audience AzureADMyOrg --query appId -o tsv)
  scope_id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)
  az ad app update --id "$api_app" --identifier-uris "api://$api_app" \
    --set "api={\"requestedAccessTokenVersion\":2,\"oauth2PermissionScopes\":[{\"id\":\"$scope_id\",\"value\":\"chat\",\"type\":\"User\",\"isEnabled\":true,\"adminConsentDisplayName\":\"Use the chat\",\"adminConsentDescription\":\"Send messages and read conversations as the signed-in user.\"}]}"
  az ad sp create --id "$api_app" > /dev/null
  azd env set ENTRA_API_CLIENT_ID "$api_app"
  ENTRA_API_CLIENT_ID=$api_app
fi

if [ -z "${ENTRA_WEB_CLIENT_ID:-}" ]; then
  echo "Creating the web app registration..."
  web_app=$(az ad app create --display-name "llmchat-web-$AZURE_ENV_NAME" --sign-in-audience AzureADMyOrg \
    --web-redirect-uris "https://$WEB_HOSTNAME/signin-oidc" --query appId -o tsv)
  az ad sp create --id "$web_app" > /dev/null
  azd env set ENTRA_WEB_CLIENT_ID "$web_app"
fi
