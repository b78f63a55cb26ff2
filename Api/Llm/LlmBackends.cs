namespace Api.Llm;

/// <summary>
/// The model catalogue as the API serves it: one backend per declared model whose connection string is present, the
/// default chat model, each model's fallback and the model that writes titles; or none, with the reason.
/// </summary>
public sealed class LlmBackends(IReadOnlyList<LlmBackend> all, string? unavailableReason) : IAsyncDisposable
{
    private readonly Dictionary<string, LlmBackend> _byName = all.ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<LlmBackend> All { get; } = all;

    /// <summary>The chat model a request that names none gets.</summary>
    public LlmBackend? Default { get; } = all.FirstOrDefault(b => b is { Kind: ModelKind.Chat, Options.Default: true }) ?? all.FirstOrDefault(b => b.Kind == ModelKind.Chat);

    /// <summary>The model that writes conversations' titles: the one declared for it, else the default.</summary>
    public LlmBackend? Titles => All.FirstOrDefault(b => b is { Kind: ModelKind.Chat, Options.Titles: true }) ?? Default;

    /// <summary>Why there is no LLM, when there is none.</summary>
    public string? UnavailableReason { get; } = unavailableReason;

    public bool Any => All.Count > 0;

    /// <summary>The model of that id (case-insensitive), if the catalogue has it.</summary>
    public LlmBackend? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The model that answers while <paramref name="backend"/> cannot (its declared fallback, if served).</summary>
    public LlmBackend? FallbackOf(LlmBackend backend) =>
        backend.Options.Fallback is { } name && Find(name) is { } fallback && fallback != backend && fallback.Kind == backend.Kind ? fallback : null;

    /// <summary>The requested model (or the default chat model) and then its fallback, in the order they are tried.</summary>
    public IReadOnlyList<LlmBackend> Candidates(string? model)
    {
        var requested = model is null ? Default : Find(model);
        if (requested is null)
        {
            return [];
        }

        return FallbackOf(requested) is { } fallback ? [requested, fallback] : [requested];
    }

    /// <summary>Stops the admissions' background work (slot renewals, server counting).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var backend in All)
        {
            await backend.Admission.DisposeAsync();
        }
    }
}
