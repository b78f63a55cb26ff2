namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Garnet, Microsoft's Redis-compatible server, run as an executable (the <c>garnet-server</c> dotnet tool pinned in
/// the repository's tool manifest) where no container runtime can run Redis. Its connection string has the form the
/// Redis client integration reads (<c>host:port</c>), as the Redis resource's does.
/// </summary>
public sealed class GarnetResource(string name, string workingDirectory, ParameterResource password) : ExecutableResource(name, "dotnet", workingDirectory), IResourceWithConnectionString
{
    /// <summary>The password every connection must give (<c>AUTH</c>).</summary>
    public ParameterResource Password { get; } = password;

    internal const string EndpointName = "tcp";

    private EndpointReference? _endpoint;

    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.Host)}:{Endpoint.Property(EndpointProperty.Port)}");
}
