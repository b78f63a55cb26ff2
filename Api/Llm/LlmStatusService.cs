using Microsoft.Extensions.Caching.Memory;

namespace Api.Llm;

/// <summary>
/// What the LLM can do right now, in plain words: <c>available</c>, <c>degraded</c> (on CPU, breaker half-open,
/// fallback serving) or <c>unavailable</c>. The probe is cached for a few seconds so the endpoint stays cheap
/// when every browser polls it.
/// </summary>
public sealed class LlmStatusService(LlmBackends backends, TimeProvider time, ILogger<LlmStatusService> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions());

    public async Task<StatusDto> GetStatusAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!backends.Any)
        {
            return new StatusDto("unavailable", backends.UnavailableReason ?? "No language model is configured.", null, now);
        }

        // The status is the default chat model's, and its fallback's while that answers instead.
        var primary = backends.Default;
        var fallback = primary is null ? null : backends.FallbackOf(primary);
        var primaryProbe = primary is null ? null : await ProbeAsync(primary, cancellationToken);

        if (primary is not null && primary.Breaker.State != BreakerState.Open && primaryProbe!.Reachable)
        {
            if (primary.Breaker.State == BreakerState.HalfOpen)
            {
                return new StatusDto("degraded", "The model server is recovering from failures; replies may fail.", primary.Model, now);
            }

            if (primaryProbe.Processor == "cpu")
            {
                return new StatusDto("degraded", "The model is running on CPU, not on a GPU: replies will be slow.", primary.Model, now);
            }

            return new StatusDto("available", null, primary.Model, now);
        }

        var why = primary is null ? "No primary model is configured."
            : primary.Breaker.State == BreakerState.Open ? "The model server has been failing; requests are paused while it recovers."
            : "The model server does not answer.";

        if (fallback is not null && fallback.Breaker.State != BreakerState.Open && (await ProbeAsync(fallback, cancellationToken)).Reachable)
        {
            return new StatusDto("degraded", $"{why} A smaller fallback model ({fallback.Model}) is answering instead.", fallback.Model, now);
        }

        return new StatusDto("unavailable", why, primary?.Model ?? fallback?.Model, now);
    }

    /// <summary>The <paramref name="visible"/> models (those the caller may use), each with its live state: reachable, loaded or cold, its queue and expected wait.</summary>
    public async Task<ModelsDto> GetModelsAsync(IReadOnlyList<LlmBackend> visible, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visible);
        var models = new List<ModelDto>();
        string? error = !backends.Any ? backends.UnavailableReason ?? "No language model is configured." : null;
        var probes = await Task.WhenAll(visible.Select(b => ProbeAsync(b, cancellationToken)));
        for (var i = 0; i < visible.Count; i++)
        {
            var (backend, probe) = (visible[i], probes[i]);
            if (!probe.Reachable)
            {
                error ??= $"The {backend.Name} model server does not answer.";
            }

            models.Add(new ModelDto(backend.Name, backend.Model, backend.Kind == ModelKind.Chat ? "chat" : "embedding", backend == backends.Default, backend.Options.Tools,
                backend.Options.Description, probe.Reachable, probe.Loaded, probe.Processor, probe.SizeVram, probe.ExpiresAt, backends.FallbackOf(backend)?.Name,
                await backend.Admission.SnapshotAsync()));
        }

        return new ModelsDto(models, error);
    }

    /// <summary>Ollama's own rule (<c>ollama ps</c>): all in VRAM is GPU, none is CPU, anything between is split.</summary>
    public static string Processor(long size, long sizeVram) => sizeVram <= 0 ? "cpu" : sizeVram >= size ? "gpu" : "mixed";

    private async Task<BackendProbe> ProbeAsync(LlmBackend backend, CancellationToken cancellationToken)
    {
        if (backend.Breaker.ConsecutiveFailures == 0 && _cache.TryGetValue(backend.Name, out BackendProbe? cached) && cached is not null)
        {
            return cached;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ProbeTimeout);
        BackendProbe probe;
        try
        {
            var running = (await backend.Ollama.ListRunningModelsAsync(cts.Token)).ToList();
            var loaded = running.FirstOrDefault(r => SameModel(r.Name, backend.Model));
            probe = new BackendProbe(true, loaded is not null, loaded is null ? null : Processor(loaded.Size, loaded.SizeVram), loaded?.SizeVram, loaded?.ExpiresAt);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            logger.LogDebug("Status probe of {Backend} failed: {Error}", backend.Name, ex.Message);
            probe = new BackendProbe(false, false, null, null, null);
        }

        _cache.Set(backend.Name, probe, CacheFor);
        return probe;
    }

    private static bool SameModel(string? running, string configured) =>
        running is not null && string.Equals(Normalize(running), Normalize(configured), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string name) => name.Contains(':', StringComparison.Ordinal) ? name : name + ":latest";

    private sealed record BackendProbe(bool Reachable, bool Loaded, string? Processor, long? SizeVram, DateTimeOffset? ExpiresAt);
}
