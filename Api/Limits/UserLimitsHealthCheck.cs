using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Api.Limits;

/// <summary>Degraded, not Unhealthy, when the limits store is away: the replicas go on serving with their own counts.</summary>
public sealed class UserLimitsHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IConnectionMultiplexer>() is not { } store)
        {
            return HealthCheckResult.Healthy("The limits are counted per replica (no store configured).");
        }

        try
        {
            await store.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            return HealthCheckResult.Healthy("The limits are shared by every replica.");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded("The limits store cannot be reached: each replica counts on its own.");
        }
    }
}
