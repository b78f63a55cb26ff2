namespace Api.Shared;

public static class SharedStoreServiceCollectionExtensions
{
    /// <summary>
    /// The shared store (Garnet or Redis) that makes the replicas behave as one: per-user limits and token reservations,
    /// admission to the model servers, the logs that let a reply be resumed from any replica. Optional: without it, or
    /// while it is away, each replica works on its own (<see cref="SharedStore"/>).
    /// </summary>
    public static WebApplicationBuilder AddSharedStore(this WebApplicationBuilder builder)
    {
        var configured = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(SharedStore.ConnectionName));
        if (configured)
        {
            builder.AddRedisClient(SharedStore.ConnectionName, settings => settings.DisableHealthChecks = true, options =>
            {
                // A store that is away costs a request at most a second (then its users fall back to each replica for a few
                // seconds); commands issued while the connection is being made wait for it rather than fail.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2_000;
                options.AsyncTimeout = 1_000;
                // The store refuses a connection without its password (issue 30, finding 9), which comes from the vault
                // (run mode: the AppHost passes the vault's secrets as configuration), not in the connection string.
                if (builder.Configuration[SharedStoreConnection.PasswordKey] is { Length: > 0 } password)
                {
                    options.Password = password;
                }
            });
        }

        builder.Services.AddSingleton(services => new SharedStore(
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<SharedStore>>(),
            configured ? services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>() : null));
        builder.Services.AddHealthChecks().AddCheck<SharedStoreHealthCheck>(SharedStoreHealthCheck.Name);
        return builder;
    }
}
