namespace Api.Llm;

/// <summary>The configured backends: the primary, an optional fallback, or none (with the reason).</summary>
public sealed class LlmBackends(LlmBackend? primary, LlmBackend? fallback, string? unavailableReason) : IAsyncDisposable
{
    public LlmBackend? Primary { get; } = primary;

    public LlmBackend? Fallback { get; } = fallback;

    /// <summary>Why there is no LLM, when there is none.</summary>
    public string? UnavailableReason { get; } = unavailableReason;

    public string? DefaultModel => Primary?.Model ?? Fallback?.Model;

    public IEnumerable<LlmBackend> All => new[] { Primary, Fallback }.OfType<LlmBackend>();

    public IReadOnlyList<string> Models => [.. All.Select(b => b.Model).Distinct(StringComparer.OrdinalIgnoreCase)];

    public LlmBackend? ForModel(string model) => All.FirstOrDefault(b => string.Equals(b.Model, model, StringComparison.OrdinalIgnoreCase));

    /// <summary>Stops the admissions' background work (slot renewals, server counting).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var backend in All)
        {
            await backend.Admission.DisposeAsync();
        }
    }
}
