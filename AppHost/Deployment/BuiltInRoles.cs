namespace AppHost.Deployment;

/// <summary>An Azure built-in role, by name and definition id.</summary>
internal sealed record BuiltInRole(string Name, string DefinitionId)
{
    public static readonly BuiltInRole StorageTableDataContributor = new("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3");
    public static readonly BuiltInRole KeyVaultSecretsUser = new("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6");
    public static readonly BuiltInRole MonitoringMetricsPublisher = new("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb");
    public static readonly BuiltInRole MonitoringDataReader = new("Monitoring Data Reader", "b0d8363b-8ddd-447d-831f-62ca05bff136");
}
