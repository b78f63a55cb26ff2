namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The table service of a storage account. Its connection string is what
/// <c>AddAzureTableServiceClient</c> reads: an Azurite connection string, or the service URI.
/// </summary>
/// <param name="name">The resource name (the connection string name consumers use).</param>
/// <param name="storage">The storage account.</param>
public sealed class AzureTableStorageResource(string name, AzureStorageResource storage)
    : Resource(name), IResourceWithParent<AzureStorageResource>, IResourceWithConnectionString
{
    /// <inheritdoc />
    public AzureStorageResource Parent { get; } = storage ?? throw new ArgumentNullException(nameof(storage));

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => Parent.TableConnectionString;
}
