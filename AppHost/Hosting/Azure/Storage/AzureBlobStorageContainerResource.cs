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

    /// <summary>The container's URI when deployed: <c>https://{account}.blob.core.windows.net/{container}</c>.</summary>
    public ReferenceExpression Uri => ReferenceExpression.Create($"https://{Parent.AccountName}.blob.core.windows.net/{BlobContainerName}");
}
