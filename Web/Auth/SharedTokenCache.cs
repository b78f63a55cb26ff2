using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Identity.Web;
using Microsoft.Identity.Web.TokenCacheProviders.Distributed;
using StackExchange.Redis;

namespace Web.Auth;

/// <summary>
/// The users' MSAL token cache (their refresh and access tokens for the API), shared by every web replica in the store
/// the API replicas share (<c>ConnectionStrings:cache</c>), encrypted with the shared Data Protection key ring. An
/// in-memory cache is per pod: after a rollout, a scale-in or a node upgrade, a user whose circuit moves to another pod
/// would get "session expired" on the next API call. The network policies let only the API and the web reach the store.
/// </summary>
public static class SharedTokenCache
{
    /// <summary>Prefix of the cache's keys in the shared store (the API's keys have their own).</summary>
    public const string InstanceName = "llmchat-web:tokens:";

    public static void Add(MicrosoftIdentityAppCallsWebApiAuthenticationBuilder calls, WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(Api.Shared.SharedStoreConnection.Name)))
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"ConnectionStrings:{Api.Shared.SharedStoreConnection.Name} is not set: outside Development the web's token cache must be shared by its replicas, or a rollout signs users out.");
            }

            calls.AddInMemoryTokenCaches();
            return;
        }

        // A store that is away must not take the web down: the health check stays off, and a failed read is a cache
        // miss (the user signs in again) rather than an error.
        builder.AddRedisClient(Api.Shared.SharedStoreConnection.Name, settings => settings.DisableHealthChecks = true, options =>
        {
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2_000;
            options.AsyncTimeout = 1_000;
        });
        builder.Services.AddStackExchangeRedisCache(_ => { });
        builder.Services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider>((options, services) =>
        {
            options.InstanceName = InstanceName;
            options.ConnectionMultiplexerFactory = () => Task.FromResult(services.GetRequiredService<IConnectionMultiplexer>());
        });
        calls.AddDistributedTokenCaches();
        builder.Services.Configure<MsalDistributedTokenCacheAdapterOptions>(options =>
        {
            options.Encrypt = true;
            options.OnL2CacheFailure = _ => false;
        });
    }
}
