namespace Aspire.Hosting.ApplicationModel;

/// <summary>The models added to an Ollama resource, each once, in order.</summary>
internal sealed class OllamaModelNames
{
    private readonly List<string> _names = [];

    public IReadOnlyList<string> Names => _names;

    public void Add(string modelName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        if (!_names.Contains(modelName, StringComparer.Ordinal))
        {
            _names.Add(modelName);
        }
    }
}
