namespace Aspire.Hosting.ApplicationModel;

/// <summary>An Azurite emulator, as a container or as the npm package run by Node.js.</summary>
public interface IAzuriteResource : IResourceWithEndpoints
{
    /// <summary>The table service endpoint (<c>table</c>).</summary>
    EndpointReference TableEndpoint { get; }
}
