using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Api.Shared;

/// <summary>
/// Degraded, not Unhealthy, when the shared store is away: the replicas go on serving with their own limits and
/// admission, and replies stream without being resumable.
/// </summary>
public sealed class SharedStoreHealthCheck(SharedStore store) : IHealthCheck
{
    public const string Name = "shared_store";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!store.Configured)
        {
            return HealthCheckResult.Healthy("No shared store is configured: limits and admission are per replica, and replies are resumable on their own replica only.");
        }

        try
        {
            await store.Database.PingAsync().WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            return store.Usable
                ? HealthCheckResult.Healthy("Limits, admission and reply logs are shared by every replica.")
                : HealthCheckResult.Degraded("The shared store answers again after a failure: this replica goes back to it within seconds.");
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            return HealthCheckResult.Degraded("The shared store cannot be reached: limits and admission are per replica, and replies are not resumable on other replicas.");
        }
    }
}
