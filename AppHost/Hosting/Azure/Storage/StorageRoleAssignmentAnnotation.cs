using Aspire.Hosting.Azure;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Roles a workload holds on a storage account when deployed (its managed identity gets them).</summary>
public sealed class StorageRoleAssignmentAnnotation(AzureStorageResource storage, IReadOnlyList<StorageBuiltInRole> roles) : IResourceAnnotation
{
    public AzureStorageResource Storage { get; } = storage;

    public IReadOnlyList<StorageBuiltInRole> Roles { get; } = roles;
}
