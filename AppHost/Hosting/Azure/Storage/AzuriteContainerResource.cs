namespace Aspire.Hosting.ApplicationModel;

/// <summary>Azurite in a container (<c>mcr.microsoft.com/azure-storage/azurite</c>, pinned).</summary>
/// <param name="name">The resource name.</param>
public sealed class AzuriteContainerResource(string name) : ContainerResource(name), IAzuriteResource
{
    internal const string TableEndpointName = "table";

    /// <inheritdoc />
    public EndpointReference TableEndpoint => new(this, TableEndpointName);
}
