namespace Aspire.Hosting.ApplicationModel;

/// <summary>Ollama in a container (<c>docker.io/ollama/ollama</c>), endpoint <c>http</c> on 11434.</summary>
/// <param name="name">The resource name.</param>
public class OllamaResource(string name) : ContainerResource(name), IOllamaResource
{
    internal const string OllamaEndpointName = "http";

    private readonly OllamaModelNames _models = new();
    private EndpointReference? _primaryEndpoint;

    /// <summary>The <c>http</c> endpoint.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, OllamaEndpointName);

    /// <summary>The host of the endpoint.</summary>
    public EndpointReferenceExpression Host => PrimaryEndpoint.Property(EndpointProperty.Host);

    /// <summary>The port of the endpoint.</summary>
    public EndpointReferenceExpression Port => PrimaryEndpoint.Property(EndpointProperty.Port);

    /// <inheritdoc />
    public ReferenceExpression UriExpression => OllamaEndpointExpressions.Uri(PrimaryEndpoint);

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => OllamaEndpointExpressions.ConnectionString(UriExpression);

    /// <inheritdoc />
    public IReadOnlyList<string> Models => _models.Names;

    /// <inheritdoc />
    public void AddModel(string modelName) => _models.Add(modelName);

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
        OllamaEndpointExpressions.Properties(PrimaryEndpoint);
}
