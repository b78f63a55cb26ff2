using Microsoft.Extensions.Options;

namespace Api.Llm;

/// <summary>
/// Closes a breaker by itself: while a backend's breaker is half-open, asks the server for its version; an answer
/// closes the breaker, silence opens it again. Without this, a breaker would wait for user traffic to test it.
/// </summary>
public sealed class LlmBreakerProbeService(LlmBackends backends, IOptions<LlmOptions> options, TimeProvider time, ILogger<LlmBreakerProbeService> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Resilience.ProbeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var backend in backends.All)
            {
                if (backend.Breaker.State == BreakerState.HalfOpen && backend.Breaker.TryAllow(out _))
                {
                    await ProbeAsync(backend, stoppingToken);
                }
            }
        }
    }

    private async Task ProbeAsync(LlmBackend backend, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        cts.CancelAfter(ProbeTimeout);
        try
        {
            await backend.Ollama.GetVersionAsync(cts.Token);
            backend.Breaker.RecordSuccess();
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or TimeoutException)
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            logger.LogInformation("Probe of {Backend} failed: {Error}", backend.Name, ex.Message);
            backend.Breaker.RecordFailure();
        }
    }
}
