#!/bin/sh
# Generated (AppHost/Deployment). After `azd provision`: cluster access, the web's federated credential,
# the model images, and the cluster-wide manifests (namespace, policies, device plugin, Ollama, KEDA).
set -eu
cd "$(dirname "$0")/../.."
eval "$(azd env get-values)"

echo "Cluster credentials (Entra ID through kubelogin)..."
az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing
kubelogin convert-kubeconfig -l azurecli

echo "The web signs in to Entra ID with its managed identity (no client secret)..."
web_identity_object_id=$(az identity show --ids "$(az identity list -g "$AZURE_RESOURCE_GROUP" --query "[?clientId=='$AZURE_WEB_IDENTITY_CLIENT_ID'].id | [0]" -o tsv)" --query principalId -o tsv)
if ! az ad app federated-credential list --id "$ENTRA_WEB_CLIENT_ID" --query "[?name=='aks-web-identity']" -o tsv | grep -q .; then
  az ad app federated-credential create --id "$ENTRA_WEB_CLIENT_ID" --parameters "{\"name\":\"aks-web-identity\",\"issuer\":\"https://login.microsoftonline.com/$AZURE_TENANT_ID/v2.0\",\"subject\":\"$web_identity_object_id\",\"audiences\":[\"api://AzureADTokenExchange\"]}"
fi

if [ -z "${WEB_TLS_CERTIFICATE_URI:-}" ]; then
  echo "No TLS certificate given: creating a self-signed one for $WEB_HOSTNAME in Key Vault (replace it with a CA-issued one)..."
  az keyvault certificate create --vault-name "$AZURE_KEY_VAULT_NAME" --name web-tls \
    --policy "$(az keyvault certificate get-default-policy | sed "s/CN=CLIGetDefaultPolicy/CN=$WEB_HOSTNAME/")" > /dev/null
  WEB_TLS_CERTIFICATE_URI="${AZURE_KEY_VAULT_ENDPOINT%/}/certificates/web-tls"
  azd env set WEB_TLS_CERTIFICATE_URI "$WEB_TLS_CERTIFICATE_URI"
fi

echo "Model images (pulled once at build time, in the registry)..."
if ! az acr repository show-tags --name "$AZURE_CONTAINER_REGISTRY_NAME" --repository "ollama-models/llama3-1-8b-instruct-q4-k-m" -o tsv 2>/dev/null | grep -qx "0.17.1"; then
  az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "ollama-models/llama3-1-8b-instruct-q4-k-m:0.17.1" --build-arg "MODEL=llama3.1:8b-instruct-q4_K_M" --build-arg "OLLAMA_IMAGE=docker.io/ollama/ollama:0.17.1" infra/models
fi
if ! az acr repository show-tags --name "$AZURE_CONTAINER_REGISTRY_NAME" --repository "ollama-models/qwen2-5-0-5b-instruct-q4-k-m" -o tsv 2>/dev/null | grep -qx "0.17.1"; then
  az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "ollama-models/qwen2-5-0-5b-instruct-q4-k-m:0.17.1" --build-arg "MODEL=qwen2.5:0.5b-instruct-q4_K_M" --build-arg "OLLAMA_IMAGE=docker.io/ollama/ollama:0.17.1" infra/models
fi

echo "Cluster manifests..."
rendered=$(mktemp -d)
for file in $(ls infra/k8s/cluster/*.yaml | grep -v kustomization.yaml); do
  content=$(cat "$file")
  for name in $(grep -o '{{\.Env\.[A-Z0-9_]*}}' "$file" | sort -u | sed 's/{{\.Env\.\(.*\)}}/\1/'); do
    value=$(eval "printf '%s' \"\${$name:?$name is not set in the azd environment}\"")
    content=$(printf '%s' "$content" | sed "s|{{\.Env\.$name}}|$value|g")
  done
  printf '%s\n' "$content" > "$rendered/$(basename "$file")"
done
kubectl apply --server-side -f "$rendered/namespace.yaml"
kubectl apply --server-side -f "$rendered"
rm -rf "$rendered"
