#!/bin/sh
# After `azd provision`: cluster access, the web's sign-in credential, the images the cluster pulls, the cluster-wide
# manifests, and KEDA's identity. Then `azd deploy` applies the services' own folders (infra/k8s/<service>).
# infra/hooks/deployment.env (generated from the AppHost model) says what; this file says how. Idempotent.
set -eu
cd "$(dirname "$0")/../.."
. infra/hooks/deployment.env
eval "$(azd env get-values)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Cluster credentials (Entra ID through kubelogin)..."
az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing
kubelogin convert-kubeconfig -l azurecli

# The web signs in to Entra ID with its service account's token (AZURE_FEDERATED_TOKEN_FILE in the pod): its app
# registration trusts tokens the cluster's OIDC issuer signs for that one service account.
echo "The web's federated credential (issuer: the cluster; subject: its service account)..."
credential="aks-$K8S_NAMESPACE-$WEB_SERVICE_ACCOUNT"
cat > "$work/credential.json" <<JSON
{"name":"$credential","issuer":"$AZURE_AKS_OIDC_ISSUER_URL","subject":"system:serviceaccount:$K8S_NAMESPACE:$WEB_SERVICE_ACCOUNT","audiences":["api://AzureADTokenExchange"],"description":"The llmchat web pods on AKS."}
JSON
issuer=$(az ad app federated-credential list --id "$ENTRA_WEB_CLIENT_ID" --query "[?name=='$credential'].issuer | [0]" -o tsv)
if [ -z "$issuer" ]; then
  az ad app federated-credential create --id "$ENTRA_WEB_CLIENT_ID" --parameters "@$work/credential.json" > /dev/null
elif [ "$issuer" != "$AZURE_AKS_OIDC_ISSUER_URL" ]; then
  az ad app federated-credential update --id "$ENTRA_WEB_CLIENT_ID" --federated-credential-id "$credential" --parameters "@$work/credential.json"
fi

if [ -z "${WEB_TLS_CERTIFICATE_URI:-}" ]; then
  echo "No TLS certificate given: creating a self-signed one for $WEB_HOSTNAME in Key Vault (replace it with a CA-issued one)..."
  az keyvault certificate get-default-policy | sed "s/CN=CLIGetDefaultPolicy/CN=$WEB_HOSTNAME/" > "$work/policy.json"
  az keyvault certificate create --vault-name "$AZURE_KEY_VAULT_NAME" --name web-tls --policy "@$work/policy.json" > /dev/null
  WEB_TLS_CERTIFICATE_URI="${AZURE_KEY_VAULT_ENDPOINT%/}/certificates/web-tls"
  azd env set WEB_TLS_CERTIFICATE_URI "$WEB_TLS_CERTIFICATE_URI"
fi

has_tag() { az acr repository show-tags --name "$AZURE_CONTAINER_REGISTRY_NAME" --repository "$1" -o tsv 2>/dev/null | grep -qx "$2"; }

echo "Third-party images, imported into the registry (the cluster pulls nothing from public registries)..."
for source in $EXTERNAL_IMAGES; do
  path=${source#*/}
  if ! has_tag "${path%:*}" "${path##*:}"; then
    if [ -n "${DOCKERHUB_USERNAME:-}" ] && [ "${source%%/*}" = "docker.io" ]; then
      az acr import --name "$AZURE_CONTAINER_REGISTRY_NAME" --source "$source" --image "$path" --username "$DOCKERHUB_USERNAME" --password "$DOCKERHUB_TOKEN"
    else
      az acr import --name "$AZURE_CONTAINER_REGISTRY_NAME" --source "$source" --image "$path"
    fi
  fi
done

echo "Model images (pulled once at build time, in the registry)..."
for entry in $MODEL_IMAGES; do
  image=${entry%%=*}
  if ! has_tag "${image%:*}" "${image##*:}"; then
    az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "$image" --build-arg "MODEL=${entry#*=}" \
      --build-arg "OLLAMA_IMAGE=$AZURE_CONTAINER_REGISTRY_ENDPOINT/$OLLAMA_IMAGE" --build-arg "BASE_IMAGE=$AZURE_CONTAINER_REGISTRY_ENDPOINT/$BUSYBOX_IMAGE" infra/models
  fi
done

# The same rule azd applies to a service's *.tmpl.yaml files: {{.Env.NAME}} becomes the azd value. An unset value
# stops the hook here rather than reaching the cluster.
echo "Cluster manifests..."
mkdir "$work/manifests"
for file in "$CLUSTER_MANIFESTS"/*.tmpl.yaml; do
  target="$work/manifests/$(basename "$file" .tmpl.yaml).yaml"
  cp "$file" "$target"
  for name in $(grep -o '{{\.Env\.[A-Za-z0-9_]*}}' "$file" | sort -u | sed 's/{{\.Env\.\(.*\)}}/\1/'); do
    eval "value=\${$name:?$name is not set in the azd environment}"
    escaped=$(printf '%s' "$value" | sed 's/[\\&|]/\\&/g')
    sed "s|{{\.Env\.$name}}|$escaped|g" "$target" > "$target.new" && mv "$target.new" "$target"
  done
done
kubectl apply --server-side --field-manager=llmchat-postprovision -f "$work/manifests/namespace.yaml"
kubectl apply --server-side --field-manager=llmchat-postprovision -f "$work/manifests"

# The AKS KEDA add-on's operator authenticates to Azure (the Prometheus query API) only as a workload identity:
# its service account names the identity and the operator restarts to get the token.
if [ -n "$KEDA_IDENTITY_CLIENT_ID_VARIABLE" ]; then
  echo "KEDA's workload identity..."
  eval "keda_client_id=\${$KEDA_IDENTITY_CLIENT_ID_VARIABLE:?$KEDA_IDENTITY_CLIENT_ID_VARIABLE is not set in the azd environment}"
  kubectl annotate serviceaccount keda-operator --namespace kube-system "azure.workload.identity/client-id=$keda_client_id" --overwrite
  kubectl rollout restart deployment keda-operator --namespace kube-system
  kubectl rollout status deployment keda-operator --namespace kube-system --timeout=300s
fi
