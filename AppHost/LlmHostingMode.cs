namespace AppHost;

/// <summary>Where the LLM runs (<c>Ollama:Mode</c>).</summary>
public enum LlmHostingMode
{
    /// <summary>Container if a runtime answers, else <c>ollama serve</c> if on PATH, else the configured endpoint, else none.</summary>
    Auto,

    /// <summary>The pinned Ollama container (GPU per <c>Ollama:Gpu</c>). Always the choice in publish mode.</summary>
    Container,

    /// <summary><c>ollama serve</c> from PATH.</summary>
    Local,

    /// <summary>An existing server at <c>Ollama:Endpoint</c>.</summary>
    External,

    /// <summary>No LLM: the API serves history and reports the LLM unavailable.</summary>
    None,
}
