namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An Ollama server that already runs elsewhere (a team GPU box, a test double), reached by the URL
/// in a parameter. Not in the official package: ours, kept when the official one is swapped in.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="endpoint">The parameter holding the server's base URL.</param>
public sealed class OllamaExternalResource(string name, ParameterResource endpoint) : Resource(name), IOllamaResource
{
    private readonly OllamaModelNames _models = new();

    /// <summary>The parameter holding the server's base URL.</summary>
    public ParameterResource Endpoint { get; } = endpoint;

    /// <inheritdoc />
    public ReferenceExpression UriExpression => ReferenceExpression.Create($"{Endpoint}");

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"Endpoint={Endpoint}");

    /// <inheritdoc />
    public IReadOnlyList<string> Models => _models.Names;

    /// <inheritdoc />
    public void AddModel(string modelName) => _models.Add(modelName);

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Uri", UriExpression);
    }
}
