namespace Tests.TestDoubles.Ollama;

/// <summary>
/// What a model on the double can do, as <c>/api/show</c>'s <c>capabilities</c> says (<c>completion</c>, <c>tools</c>,
/// <c>embedding</c>): embedding models are those of the embedding families Ollama's library serves (nomic-embed-text,
/// all-minilm, mxbai-embed-large), with their vector lengths; every other model chats and calls tools.
/// </summary>
public sealed record OllamaModelCapabilities(string Name, bool Completion, bool Tools, int? Dimensions, int ContextLength = 8192)
{
    public bool Embedding => Dimensions is not null;

    public IEnumerable<string> Names()
    {
        if (Completion)
        {
            yield return "completion";
        }

        if (Tools)
        {
            yield return "tools";
        }

        if (Embedding)
        {
            yield return "embedding";
        }
    }

    public static OllamaModelCapabilities Of(string name) => name.Split(':')[0] switch
    {
        "nomic-embed-text" => new(name, false, false, 768, 2048),
        "all-minilm" => new(name, false, false, 384, 256),
        "mxbai-embed-large" => new(name, false, false, 1024, 512),
        _ => new(name, true, true, null),
    };

    /// <summary>The double's token count: a real byte-level BPE's (<see cref="OllamaPrompt.Count"/>).</summary>
    public static int Tokens(string text) => Math.Max(1, OllamaPrompt.Count(text));
}
