namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A model served by an Ollama resource. Its connection string, <c>Endpoint=...;Model=...</c>, is what
/// the client integration reads; it is healthy only once the model exists on the server.
/// </summary>
/// <param name="name">The resource name (the connection string name consumers use).</param>
/// <param name="modelName">The Ollama model, pinned by tag, for example <c>qwen2.5:0.5b-instruct-q4_K_M</c>.</param>
/// <param name="parent">The Ollama server.</param>
public class OllamaModelResource(string name, string modelName, IOllamaResource parent)
    : Resource(name), IResourceWithParent<IOllamaResource>, IResourceWithConnectionString
{
    /// <summary>The Ollama model name and tag.</summary>
    public string ModelName { get; } = ThrowIfNullOrWhiteSpace(modelName);

    /// <inheritdoc />
    public IOllamaResource Parent { get; } = parent ?? throw new ArgumentNullException(nameof(parent));

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Model={ModelName}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Uri", Parent.UriExpression);
        yield return new("Model", ReferenceExpression.Create($"{ModelName}"));
    }

    private static string ThrowIfNullOrWhiteSpace(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return value;
    }
}
