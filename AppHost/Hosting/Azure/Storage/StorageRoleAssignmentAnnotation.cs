using Aspire.Hosting.Azure;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Roles a workload holds when deployed (its managed identity gets them): on a storage account, or on one of its blob
/// containers only (<paramref name="container"/>).
/// </summary>
public sealed class StorageRoleAssignmentAnnotation(AzureStorageResource storage, IReadOnlyList<StorageBuiltInRole> roles, AzureBlobStorageContainerResource? container = null) : IResourceAnnotation
{
    public AzureStorageResource Storage { get; } = storage;

    public IReadOnlyList<StorageBuiltInRole> Roles { get; } = roles;

    /// <summary>The one container the roles are scoped to; <c>null</c> for the whole account.</summary>
    public AzureBlobStorageContainerResource? Container { get; } = container;
}
