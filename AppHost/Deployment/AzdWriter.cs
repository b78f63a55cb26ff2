using System.Globalization;
using System.Text;

namespace AppHost.Deployment;

/// <summary>
/// <c>azure.yaml</c>, the azd hooks (posix and Windows forms) and the model image's Dockerfile of a
/// <see cref="DeploymentPlan"/>. The services are the .NET projects (built and deployed by azd with their manifests);
/// the hooks do what azd does not: Entra app registrations, kubelogin, model images, the cluster manifests.
/// </summary>
internal static class AzdWriter
{
    public static string AzureYaml(DeploymentPlan plan)
    {
        var text = new StringBuilder("""
            # yaml-language-server: $schema=https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json
            # Generated from the AppHost model (AppHost/Deployment). Do not edit: regenerate with
            #   dotnet run --project AppHost -- --operation publish
            name: llmchat
            metadata:
              template: llmchat-aks@1.0.0
            infra:
              provider: bicep
              path: infra
              module: main
            services:

            """);
        foreach (var workload in plan.Workloads.Where(w => w.Kind == WorkloadKind.Project))
        {
            var project = workload.Name == "api" ? "Api" : workload.Name == "web" ? "Web" : workload.Name;
            text.Append(CultureInfo.InvariantCulture, $"""
                  {workload.Name}:
                    project: ./{project}
                    language: dotnet
                    host: aks
                    k8s:
                      deploymentPath: ../infra/k8s/{workload.Name}
                      namespace: {plan.Namespace}
                      deployment:
                        name: {workload.Name}
                      service:
                        name: {workload.Name}

                """);
            if (workload.External)
            {
                text.Append(CultureInfo.InvariantCulture, $"""
                          ingress:
                            name: {workload.Name}

                    """);
            }
        }

        text.Append("""
            hooks:
              preprovision:
                posix:
                  shell: sh
                  run: infra/hooks/preprovision.sh
                windows:
                  shell: pwsh
                  run: infra/hooks/preprovision.ps1
              postprovision:
                posix:
                  shell: sh
                  run: infra/hooks/postprovision.sh
                windows:
                  shell: pwsh
                  run: infra/hooks/postprovision.ps1

            """);
        return text.ToString();
    }

    public static string ModelDockerfile() => """
        # Generated (AppHost/Deployment). A model image: the model's blobs pulled at build time by the same Ollama
        # release that serves them, copied by an init container into the serving pod's volume. No pull at run time.
        ARG OLLAMA_IMAGE
        FROM ${OLLAMA_IMAGE} AS pull
        ARG MODEL
        ENV OLLAMA_MODELS=/models
        RUN ollama serve > /tmp/serve.log 2>&1 & \
            for i in $(seq 1 60); do ollama list > /dev/null 2>&1 && break; sleep 1; done && \
            ollama pull "${MODEL}" && \
            ollama list | grep -q "${MODEL%%:*}"

        FROM docker.io/library/busybox:1.37.0
        COPY --from=pull --chown=1000:1000 /models /models
        USER 1000:1000

        """;

    public static string PostprovisionSh(DeploymentPlan plan)
    {
        var text = new StringBuilder("""
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

            """);
        foreach (var (workload, model) in Models(plan))
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                if ! az acr repository show-tags --name "$AZURE_CONTAINER_REGISTRY_NAME" --repository "{model.Repository}" -o tsv 2>/dev/null | grep -qx "{Tag(workload)}"; then
                  az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "{model.Repository}:{Tag(workload)}" --build-arg "MODEL={model.Model}" --build-arg "OLLAMA_IMAGE={workload.Image}" infra/models
                fi

                """);
        }

        text.Append("""

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

            """);
        return text.ToString();
    }

    public static string PostprovisionPs1(DeploymentPlan plan)
    {
        var text = new StringBuilder("""
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

            """);
        foreach (var (workload, model) in Models(plan))
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                if (-not ((az acr repository show-tags --name $envValues.AZURE_CONTAINER_REGISTRY_NAME --repository '{{model.Repository}}' -o tsv 2>$null) -contains '{{Tag(workload)}}')) {
                  az acr build --registry $envValues.AZURE_CONTAINER_REGISTRY_NAME --image '{{model.Repository}}:{{Tag(workload)}}' --build-arg 'MODEL={{model.Model}}' --build-arg 'OLLAMA_IMAGE={{workload.Image}}' infra/models
                }

                """);
        }

        text.Append("""

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

            """);
        return text.ToString();
    }

    public static string PreprovisionSh() => """
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

        """;

    public static string PreprovisionPs1() => """
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

        """;

    private static IEnumerable<(WorkloadPlan Workload, ModelPlan Model)> Models(DeploymentPlan plan) =>
        plan.Workloads.Where(w => w.Kind == WorkloadKind.Ollama).SelectMany(w => w.Models.Select(m => (w, m))).DistinctBy(p => p.m.Repository + Tag(p.w));

    /// <summary>Model images are tagged with the Ollama release that pulled them: blob formats follow Ollama.</summary>
    public static string Tag(WorkloadPlan workload) => workload.Image.Split(':')[^1];
}
