namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Azurite's table service from the npm package pinned in <c>AppHost/package.json</c>, run by Node.js:
/// the emulator on machines without a container runtime.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="workingDirectory">Where Azurite keeps its data when it persists any.</param>
public sealed class AzuriteExecutableResource(string name, string workingDirectory)
    : ExecutableResource(name, "node", workingDirectory), IAzuriteResource
{
    /// <inheritdoc />
    public EndpointReference TableEndpoint => new(this, AzuriteContainerResource.TableEndpointName);
}
