namespace Aspire.Hosting.Azure;

/// <summary>Built-in storage data roles, as in Aspire.Hosting.Azure.Storage (the ones this app grants).</summary>
public sealed record StorageBuiltInRole(string Name, string RoleDefinitionId)
{
    public static readonly StorageBuiltInRole StorageBlobDataContributor = new("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe");

    public static readonly StorageBuiltInRole StorageTableDataContributor = new("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3");
}
