namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An Ollama server, wherever it runs: a container, a local <c>ollama serve</c>, or an existing
/// server reached by URL. The official interface also exposes endpoint properties; those live on the
/// container and executable types here, because an external server has no endpoint of its own.
/// </summary>
public interface IOllamaResource : IResourceWithConnectionString
{
    /// <summary>The base URI of the server, <c>http://host:port</c>.</summary>
    ReferenceExpression UriExpression { get; }

    /// <summary>The models added with <c>AddModel</c>.</summary>
    IReadOnlyList<string> Models { get; }

    /// <summary>Records a model to pull and serve.</summary>
    void AddModel(string modelName);
}
