using Api.Llm;
using Api.OpenAi;
using AppHost;
using AppHost.Deployment;
using Aspire.Hosting.Azure;

var builder = DistributedApplication.CreateBuilder(args);

// LLM: the models of AppHost/models.json (a large chat model, a small fast one, an embedding model), each pinned. In run
// mode they share the local Ollama (the container, ollama serve, or an existing server); deployed, each has its own.
var llm = LlmHosting.Add(builder);
var models = ModelHosting.Add(builder, llm);

// Conversations live in Table Storage: Azurite in run mode, a real account (managed identity) when deployed.
var storage = builder.AddAzureStorage(ResourceNames.Storage)
    .RunAsEmulator(azurite => azurite.DataDirectory = NullIfEmpty(builder.Configuration["Storage:DataDirectory"]));
var tables = storage.AddTables(ResourceNames.Tables);

// Secrets: Key Vault when deployed; AppHost parameters (user secrets) in run mode. The API reads both as configuration.
var canary = builder.AddParameter(ResourceNames.SafetyCanary, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
var secrets = builder.AddAzureKeyVault(ResourceNames.Secrets);
secrets.AddSecret("safety-canary-secret", "Safety--Canary", canary);

// The store the API replicas share (limits, admission, reply logs): Redis where containers run and when deployed,
// Garnet from a dotnet tool otherwise. Only the API reaches it, with a password kept in the vault (deployed, the store's
// pod reads it from there too, through the Secrets Store CSI driver).
var cachePassword = builder.AddParameter(ResourceNames.CachePassword, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
secrets.AddSecret("cache-password-secret", Api.Shared.SharedStoreConnection.PasswordSecretName, cachePassword);
var cache = SharedStoreHosting.Add(builder, cachePassword);

const int apiMinReplicas = 2;
var api = builder.AddProject<Projects.Api>(ResourceNames.Api)
    // The API reads connection strings only (ConnectionStrings__*), not each reference's properties (CACHE_HOST, ...).
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery)
    .WithReference(tables).WaitFor(tables)
    .WithReference(cache).WaitFor(cache)
    .WithReference(secrets).WaitFor(secrets)
    // The Prometheus scrape endpoint for autoscaling lives on its own port, never behind the public routes.
    .WithHttpEndpoint(name: "metrics", env: "Metrics__Port")
    // The API replicas together admit per model as many LLM requests as its servers run at once (OLLAMA_NUM_PARALLEL
    // each): the shared server's in run mode, each model's own when deployed (its SlotsPerServer).
    .WithEnvironment("Llm__Admission__SlotsPerServer", llm.Tuning.NumParallel.ToString(System.Globalization.CultureInfo.InvariantCulture))
    .WithHttpHealthCheck("/health", endpointName: "http");

// Each model's connection string and catalogue entry (who may use it, its kind, its fallback: degraded mode is the
// default chat model's fallback, a small model on CPU).
ModelHosting.Reference(api, models);
if (models.Count == 0)
{
    api.WithEnvironment("Llm__UnavailableReason", llm.Description);
}

var web = builder.AddProject<Projects.Web>(ResourceNames.Web)
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery)
    .WithReference(api).WaitFor(api)
    .WithExternalHttpEndpoints()
    // Scraped like the API's (added after the external endpoints, so it is not one): the 5xx alert reads both
    // services' request counts from managed Prometheus.
    .WithHttpEndpoint(name: "metrics", env: "Metrics__Port")
    .WithHttpHealthCheck("/health", endpointName: "http");

// Where tools reach the OpenAI-compatible route (shown on the API keys page): the API itself in run mode, the public
// host's /v1 (routed to the API by its own HTTPRoute on the Gateway) when deployed.
if (builder.ExecutionContext.IsPublishMode)
{
    // A plain string (an interpolated one would bind to the ReferenceExpression overload, which halves azd's braces).
    var publicBaseUrl = $"https://{AzdEnvironment.Reference(AzdEnvironment.WebHostName)}{OpenAiRoute.Prefix}";
    web.WithEnvironment("OpenAi__BaseUrl", publicBaseUrl);
}
else
{
    web.WithEnvironment("OpenAi__BaseUrl", ReferenceExpression.Create($"{api.GetEndpoint("http")}{OpenAiRoute.Prefix}"));
}

// Sign-in when deployed: Entra ID app registrations (run mode signs in the development user). The web proves its
// identity to Entra with its Kubernetes service account token (workload identity federation): the projected token
// file is its client assertion, trusted by a federated credential on its app registration. No client secret exists.
if (builder.ExecutionContext.IsPublishMode)
{
    var tenant = builder.AddParameter("azure-tenant-id");
    var apiApp = builder.AddParameter("entra-api-client-id");
    var webApp = builder.AddParameter("entra-web-client-id");
    // Nightly table exports go to the account's backups container (versioned), written with the API's identity: its
    // blob role covers that container only, so it can read neither the web's key ring nor anything else. Each backup is
    // write-once for 35 days (issue 30, finding 13): a serving pod, or anyone who takes one over, can add backups but
    // can neither overwrite nor delete one.
    var backups = storage.AddBlobContainer("backups").WithImmutability(days: 35);
    api.WithEnvironment("Backups__BlobServiceUri", ReferenceExpression.Create($"https://{storage.Resource.AccountName}.blob.core.windows.net/"))
        .WithEnvironment("Backups__ContainerName", backups.Resource.BlobContainerName)
        .WithRoleAssignments(backups, StorageBuiltInRole.StorageBlobDataContributor);
    // The admin audit trail's copy no one can edit: an append blob a day, each line kept for a year whatever anyone's
    // role; the API may append to it and nothing more (the table it also writes is the one it could change).
    var audit = storage.AddBlobContainer(Api.Shared.BlobContainerNames.Audit).WithImmutability(days: 365, appendWrites: true);
    api.WithEnvironment("Audit__ContainerUri", ReferenceExpression.Create($"{audit.Resource.Uri}"))
        .WithRoleAssignments(audit, StorageBuiltInRole.StorageBlobDataContributor);
    // The servers behind each backend are counted through a headless Service (KEDA adds Ollama replicas); while the
    // shared store is away, each API replica admits its share of the capacity.
    api.WithEnvironment("Llm__Admission__ApiReplicas", apiMinReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture));

    api.WithEnvironment("Auth__Jwt__Authority", ReferenceExpression.Create($"https://login.microsoftonline.com/{tenant}/v2.0"))
        .WithEnvironment("Auth__Jwt__Audience", apiApp)
        .WithEnvironment("Auth__Jwt__RequiredScope", "chat")
        // Tokens for the API's scope are accepted from the web app only (their azp).
        .WithEnvironment("Auth__Jwt__ClientIds__0", webApp);
    // Several web replicas must share the Data Protection keys (sign-in cookies, antiforgery, the token cache): a blob
    // in a container only the web may touch, each key wrapped by a Key Vault key that never leaves the vault.
    var keyRing = storage.AddBlobContainer("dataprotection");
    var keyRingKey = secrets.AddKey("dataprotection-key", "dataprotection");
    // A plain string, as for OpenAi__BaseUrl above: azd's braces must reach the manifest whole.
    var keyRingKeyUri = $"{AzdEnvironment.Reference(AzdEnvironment.KeyVaultEndpoint)}keys/{keyRingKey.Resource.KeyName}";
    web.WithEnvironment("DataProtection__BlobUri", ReferenceExpression.Create($"{keyRing.Resource.Uri}/keys.xml"))
        .WithEnvironment("DataProtection__KeyVaultKeyUri", keyRingKeyUri)
        .WithRoleAssignments(keyRing, StorageBuiltInRole.StorageBlobDataContributor)
        .WithCryptoUserRole(keyRingKey);
    // The web replicas share the users' token cache (encrypted with the key ring), so a rollout or a scale-in signs
    // nobody out: in a container of its own, not in the API's store, which the web cannot reach (issue 30, finding 9).
    var tokenCache = storage.AddBlobContainer("tokencache");
    web.WithEnvironment("TokenCache__ContainerUri", ReferenceExpression.Create($"{tokenCache.Resource.Uri}"))
        .WithRoleAssignments(tokenCache, StorageBuiltInRole.StorageBlobDataContributor);
    web.WithEnvironment("AzureAd__TenantId", tenant)
        .WithEnvironment("AzureAd__ClientId", webApp)
        // IMDS cannot serve a workload identity on AKS (and the network policy blocks it): read the projected token,
        // whose path the workload identity webhook puts in AZURE_FEDERATED_TOKEN_FILE.
        .WithEnvironment("AzureAd__ClientCredentials__0__SourceType", "SignedAssertionFilePath")
        .WithEnvironment("Api__Scope", ReferenceExpression.Create($"api://{apiApp}/chat"));
}

// Deployment to AKS with `azd up` (run mode ignores this): the services on a CPU pool; the model on a tainted GPU
// pool that the cluster autoscaler grows and shrinks, and KEDA scaling Ollama on the API's queue of LLM requests
// (Ollama has no metrics of its own). Standard_NC4as_T4_v3 (T4 16 GB) by default; NC6s_v3 was retired in 2025.
// `--operation publish --step publish-aks` writes azure.yaml and infra/ from these lines (AppHost/Deployment).
builder.AddAksPublishStep();
var aks = builder.AddAzureKubernetesEnvironment("aks");
var cpuPool = aks.AddNodePool("cpu", "Standard_D4ds_v5", minCount: 2, maxCount: 6);
var gpuPool = aks.AddNodePool("gpu", "Standard_NC4as_T4_v3", minCount: 1, maxCount: 3)
    .WithGpus(1, "Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_NC24ads_A100_v4", "Standard_NC40ads_H100_v5")
    .WithTaint("sku", "gpu")
    .WithNodeLabel("workload", "llm");

api.WithNodePool(cpuPool)
    .WithKubernetesResources("250m", "384Mi", "1", "1Gi")
    .WithKubernetesScaling(minReplicas: apiMinReplicas, maxReplicas: 10, cpuUtilizationPercent: 70)
    .WithPrometheusScaling("llm-requests-per-api-pod", LlmScaling.Demand(), threshold: 6)
    .WithKubernetesCronJob("backup", "17 2 * * *", "backup")
    // Tools reach the OpenAI-compatible route on the public host: the Gateway routes /v1 to the API, nothing else of it.
    .WithIngressPaths(OpenAiRoute.Prefix);
web.WithNodePool(cpuPool)
    .WithKubernetesResources("250m", "384Mi", "1", "1Gi")
    .WithKubernetesScaling(minReplicas: 2, maxReplicas: 6, cpuUtilizationPercent: 70);
// Each model's Ollama on its pool, sized as models.json says (the GPU model's requests fit a 4-vCPU T4 node after AKS's
// reservations and the node's DaemonSets, docs/deploy.md), scaled by KEDA on its own queue.
ModelHosting.Deploy(api, models, cpuPool, gpuPool);
cache.WithNodePool(cpuPool)
    .WithKubernetesResources("100m", "128Mi", "1", "512Mi");

builder.Build().Run();

static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
