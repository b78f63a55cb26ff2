using Microsoft.Extensions.AI;
using OllamaSharp;

namespace Api.Llm;

/// <summary>What the LLM can do right now, in plain words, for <c>GET /api/status</c> and <c>GET /api/models</c>.</summary>
public sealed class LlmStatusService(IChatClient chat, LlmModelCatalog catalog, TimeProvider time, IServiceProvider services)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public async Task<StatusDto> GetStatusAsync(CancellationToken cancellationToken)
    {
        if (chat.GetService<UnavailableChatClient>() is { } unavailable)
        {
            return new StatusDto("unavailable", unavailable.Reason, null, time.GetUtcNow());
        }

        var ollama = services.GetService<IOllamaApiClient>();
        if (ollama is null)
        {
            return new StatusDto("unavailable", "No Ollama client is registered.", catalog.DefaultModel, time.GetUtcNow());
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ProbeTimeout);
        try
        {
            await ollama.GetVersionAsync(cts.Token);
            return new StatusDto("available", null, catalog.DefaultModel, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return new StatusDto("unavailable", "The model server does not answer.", catalog.DefaultModel, time.GetUtcNow());
        }
    }

    public async Task<ModelsDto> GetModelsAsync(CancellationToken cancellationToken)
    {
        var ollama = services.GetService<IOllamaApiClient>();
        if (ollama is null || catalog.Models.Count == 0)
        {
            return new ModelsDto([.. catalog.Models.Select(m => new ModelDto(m, m == catalog.DefaultModel, false, null, null, null))], catalog.Models.Count == 0 ? "No LLM is configured." : null);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ProbeTimeout);
        try
        {
            var running = (await ollama.ListRunningModelsAsync(cts.Token)).ToList();
            var models = catalog.Models.Select(name =>
            {
                var loaded = running.FirstOrDefault(r => SameModel(r.Name, name));
                return new ModelDto(
                    name,
                    name == catalog.DefaultModel,
                    loaded is not null,
                    loaded is null ? null : Processor(loaded.Size, loaded.SizeVram),
                    loaded?.SizeVram,
                    loaded?.ExpiresAt);
            }).ToList();
            return new ModelsDto(models, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return new ModelsDto([.. catalog.Models.Select(m => new ModelDto(m, m == catalog.DefaultModel, false, null, null, null))], "The model server does not answer.");
        }
    }

    /// <summary>Ollama's own rule (<c>ollama ps</c>): all in VRAM is GPU, none is CPU, anything between is split.</summary>
    public static string Processor(long size, long sizeVram) => sizeVram <= 0 ? "cpu" : sizeVram >= size ? "gpu" : "mixed";

    private static bool SameModel(string? running, string configured) =>
        running is not null && string.Equals(Normalize(running), Normalize(configured), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string name) => name.Contains(':', StringComparison.Ordinal) ? name : name + ":latest";
}
