namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A blob container of a storage account (the shape of Aspire.Hosting.Azure.Storage's container resource). When
/// deployed it is created with the account, and roles can be granted on it alone rather than on the whole account.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="blobContainerName">The container's name in the account.</param>
/// <param name="parent">The storage account.</param>
public sealed class AzureBlobStorageContainerResource(string name, string blobContainerName, AzureStorageResource parent)
    : Resource(name), IResourceWithParent<AzureStorageResource>
{
    public string BlobContainerName { get; } = blobContainerName;

    /// <inheritdoc />
    public AzureStorageResource Parent { get; } = parent;

    /// <summary>
    /// Days each blob version stays unchangeable and undeletable (version-level WORM, a default time-based retention
    /// policy on the container), when deployed; null for none. Set with <c>WithImmutability</c>.
    /// </summary>
    public int? ImmutableDays { get; internal set; }

    /// <summary>Whether appends to append blobs stay allowed under the retention policy (an append-only log).</summary>
    public bool ProtectedAppendWrites { get; internal set; }

    /// <summary>The container's URI when deployed: <c>https://{account}.blob.core.windows.net/{container}</c>.</summary>
    public ReferenceExpression Uri => ReferenceExpression.Create($"https://{Parent.AccountName}.blob.core.windows.net/{BlobContainerName}");
}
