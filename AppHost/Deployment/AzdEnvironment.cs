namespace AppHost.Deployment;

/// <summary>
/// The azd environment values the deployment reads, by name, and how a manifest refers to one: azd's Go template
/// <c>{{.Env.NAME}}</c>, filled when azd applies a <c>*.tmpl.yaml</c> file (and by the postprovision hook for the
/// cluster folder, with the same rule). Bicep outputs, azd's own values and the hooks' <c>azd env set</c> fill them.
/// </summary>
internal static class AzdEnvironment
{
    public const string ClusterName = "AZURE_AKS_CLUSTER_NAME";
    public const string RegistryEndpoint = "AZURE_CONTAINER_REGISTRY_ENDPOINT";
    public const string KeyVaultEndpoint = "AZURE_KEY_VAULT_ENDPOINT";
    public const string KeyVaultName = "AZURE_KEY_VAULT_NAME";
    public const string TenantId = "AZURE_TENANT_ID";
    public const string TablesEndpoint = "AZURE_TABLES_ENDPOINT";
    public const string StorageAccountName = "AZURE_STORAGE_ACCOUNT_NAME";
    public const string PrometheusQueryEndpoint = "AZURE_PROMETHEUS_QUERY_ENDPOINT";
    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string WebHostName = "WEB_HOSTNAME";
    public const string WebTlsCertificateUri = "WEB_TLS_CERTIFICATE_URI";
    public const string AlertEmails = "ALERT_EMAILS";
    public const string AksTier = "AKS_TIER";
    public const string AksApiAuthorizedIpRanges = "AKS_API_AUTHORIZED_IP_RANGES";
    public const string StoresNetworkAccess = "STORES_NETWORK_ACCESS";
    public const string StoresAllowedIpRanges = "STORES_ALLOWED_IP_RANGES";
    public const string UseCosmosTable = "USE_COSMOS_TABLE";
    public const string KeyVaultPurgeProtection = "KEY_VAULT_PURGE_PROTECTION";
    public const string DefenderForContainers = "DEFENDER_FOR_CONTAINERS";
    public const string RegistrySku = "REGISTRY_SKU";
    public const string RegistryReplicationLocations = "REGISTRY_REPLICATION_LOCATIONS";
    public const string LogDailyQuotaGb = "LOG_DAILY_QUOTA_GB";
    public const string DeploymentPrincipalId = "AZURE_DEPLOYMENT_PRINCIPAL_ID";

    /// <summary>The template text azd replaces by the value of <paramref name="name"/>.</summary>
    public static string Reference(string name) => $"{{{{.Env.{name}}}}}";

    /// <summary>The image azd built and pushed for a service (azd's <c>SERVICE_{NAME}_IMAGE_NAME</c>).</summary>
    public static string ServiceImage(string service) => $"SERVICE_{Normalize(service)}_IMAGE_NAME";

    /// <summary>The client id of a workload identity, a Bicep output.</summary>
    public static string IdentityClientId(string identity) => $"AZURE_{Normalize(identity)}_IDENTITY_CLIENT_ID";

    /// <summary>The principal (object) id of a workload identity, a Bicep output, for role assignments the hooks make.</summary>
    public static string IdentityPrincipalId(string identity) => $"AZURE_{Normalize(identity)}_IDENTITY_PRINCIPAL_ID";

    /// <summary>
    /// A node pool's azd values: <c>AKS_{POOL}_VM_SIZE</c>, <c>_MIN_COUNT</c>, <c>_MAX_COUNT</c>, <c>_SPOT</c> (overrides
    /// a user sets) and <c>_CURRENT_COUNT</c> (what the preprovision hook found, so a provision keeps the autoscaler's count).
    /// </summary>
    public static string Pool(string pool, string setting) => $"AKS_{Normalize(pool)}_{setting}";

    public const string PoolVmSize = "VM_SIZE";
    public const string PoolMinCount = "MIN_COUNT";
    public const string PoolMaxCount = "MAX_COUNT";
    public const string PoolSpot = "SPOT";
    public const string PoolCurrentCount = "CURRENT_COUNT";

    /// <summary>An AppHost parameter as an azd value: the vault and the account by their outputs, others by name in upper snake case.</summary>
    public static string Parameter(string parameterName) => parameterName switch
    {
        "secrets-uri" => KeyVaultEndpoint,
        "storage-account-name" => StorageAccountName,
        _ => Normalize(parameterName),
    };

    public static string Normalize(string name) => name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
}
