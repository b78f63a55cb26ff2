using Microsoft.Extensions.Options;

namespace Api.Streaming;

/// <summary>Bound from <c>Chat:Shutdown</c>. The pod's <c>terminationGracePeriodSeconds</c> must cover the drain, the preStop delay and the save.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Chat:Shutdown";

    /// <summary>How long streams may go on after SIGTERM before they are ended with <c>server_shutting_down</c>.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>What the host adds after the drain for the last saves and responses, before it aborts connections.</summary>
    public TimeSpan FinishTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Graceful shutdown of streams. On SIGTERM (<see cref="IHostApplicationLifetime.ApplicationStopping"/>) new turns are
/// refused, streams running go on for <see cref="ShutdownOptions.DrainTimeout"/>, and then
/// <see cref="StreamsMustEnd"/> fires: each remaining stream stops its model call, saves what it has as incomplete,
/// and ends with an <c>error</c> event (<c>server_shutting_down</c>) the client can tell from a network fault.
/// </summary>
public sealed class ShutdownDrain(IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, TimeProvider time) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _mustEnd = new();
    private CancellationTokenRegistration _registration;

    public bool Stopping => lifetime.ApplicationStopping.IsCancellationRequested;

    public CancellationToken StreamsMustEnd => _mustEnd.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            var drain = options.Value.DrainTimeout;
            if (drain <= TimeSpan.Zero)
            {
                _mustEnd.Cancel();
                return;
            }

            _ = Task.Delay(drain, time, CancellationToken.None).ContinueWith(_ => _mustEnd.Cancel(), TaskScheduler.Default);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _registration.Dispose();
        _mustEnd.Dispose();
    }
}
