namespace AppHost;

/// <summary>Resource names: also the connection string and service discovery names the services use.</summary>
public static class ResourceNames
{
    /// <summary>Run mode's Ollama, which serves every model (deployed, each model's server is <c>ollama-&lt;model&gt;</c>).</summary>
    public const string Ollama = "ollama";
    public const string Storage = "storage";
    public const string Tables = "tables";
    public const string Secrets = "secrets";
    public const string SafetyCanary = "safety-canary";
    public const string Cache = global::Api.Shared.SharedStoreConnection.Name;
    public const string CachePassword = "cache-password";
    public const string Api = "api";
    public const string Web = "web";
}
