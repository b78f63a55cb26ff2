#!/bin/sh
# Before `azd provision`: the settings the deployment needs from you, the secrets it generates once, and the Entra
# ID app registrations (Bicep cannot create them). Idempotent: run it again and it changes nothing that exists.
# infra/hooks/deployment.env (generated from the AppHost model) says what to create; this file says how.
set -eu
cd "$(dirname "$0")/../.."
. infra/hooks/deployment.env
eval "$(azd env get-values)"

: "${WEB_HOSTNAME:?Set the public host name: azd env set WEB_HOSTNAME chat.example.com}"
for name in $REQUIRED_SECRETS; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || { echo "Set the secret $name: azd env set $name <value>" >&2; exit 1; }
done

# Generated secrets live in the azd environment, so a second provision writes the same value, not a new one.
for name in $GENERATED_SECRETS; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "Generating the secret $name..."
    azd env set "$name" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  fi
done

if [ -z "${ENTRA_API_CLIENT_ID:-}" ]; then
  echo "Creating the API app registration..."
  ENTRA_API_CLIENT_ID=$(az ad app create --display-name "llmchat-api-$AZURE_ENV_NAME" --sign-in-audience AzureADMyOrg --query appId -o tsv)
  az ad app update --id "$ENTRA_API_CLIENT_ID" --identifier-uris "api://$ENTRA_API_CLIENT_ID"
  az ad sp create --id "$ENTRA_API_CLIENT_ID" > /dev/null
  azd env set ENTRA_API_CLIENT_ID "$ENTRA_API_CLIENT_ID"
fi

if [ -z "${ENTRA_WEB_CLIENT_ID:-}" ]; then
  echo "Creating the web app registration..."
  ENTRA_WEB_CLIENT_ID=$(az ad app create --display-name "llmchat-web-$AZURE_ENV_NAME" --sign-in-audience AzureADMyOrg \
    --web-redirect-uris "https://$WEB_HOSTNAME/signin-oidc" --query appId -o tsv)
  az ad sp create --id "$ENTRA_WEB_CLIENT_ID" > /dev/null
  azd env set ENTRA_WEB_CLIENT_ID "$ENTRA_WEB_CLIENT_ID"
fi

# The API's 'chat' scope, with the web pre-authorized for it: no consent prompt, so tenants that block user consent
# can sign in. The body goes to Microsoft Graph as a file (az.cmd on Windows strips quotes from JSON arguments).
echo "The API's scope, pre-authorized for the web..."
scope_id=$(az ad app show --id "$ENTRA_API_CLIENT_ID" --query "api.oauth2PermissionScopes[?value=='chat'].id | [0]" -o tsv)
[ -n "$scope_id" ] || scope_id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)
body=$(mktemp)
trap 'rm -f "$body"' EXIT
cat > "$body" <<JSON
{"api":{"requestedAccessTokenVersion":2,"oauth2PermissionScopes":[{"id":"$scope_id","value":"chat","type":"User","isEnabled":true,"adminConsentDisplayName":"Use the chat","adminConsentDescription":"Send messages and read conversations as the signed-in user.","userConsentDisplayName":"Use the chat","userConsentDescription":"Send messages and read your conversations."}],"preAuthorizedApplications":[{"appId":"$ENTRA_WEB_CLIENT_ID","delegatedPermissionIds":["$scope_id"]}]}}
JSON
az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications(appId='$ENTRA_API_CLIENT_ID')" --headers Content-Type=application/json --body "@$body"
