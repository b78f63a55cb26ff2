namespace AppHost;

/// <summary>Resource names: also the connection string and service discovery names the services use.</summary>
public static class ResourceNames
{
    public const string Ollama = "ollama";
    public const string ChatModel = "chat";
    public const string OllamaFallback = "ollama-fallback";
    public const string ChatFallbackModel = "chat-fallback";
    public const string Storage = "storage";
    public const string Tables = "tables";
    public const string Secrets = "secrets";
    public const string SafetyCanary = "safety-canary";
    public const string Cache = global::Api.Shared.SharedStoreConnection.Name;
    public const string Api = "api";
    public const string Web = "web";
}
