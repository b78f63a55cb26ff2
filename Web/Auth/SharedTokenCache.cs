using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Identity.Web;
using Microsoft.Identity.Web.TokenCacheProviders.Distributed;

namespace Web.Auth;

/// <summary>
/// The users' MSAL token cache (their refresh and access tokens for the API), shared by every web replica in a blob
/// container only the web may touch (<c>TokenCache:ContainerUri</c>, read and written with the pod's workload identity,
/// or with the SAS the URI carries), encrypted with the
/// shared Data Protection key ring. An in-memory cache is per pod: after a rollout, a scale-in or a node upgrade, a
/// user whose circuit moves to another pod would get "session expired" on the next API call. The web has no path to
/// the API's shared store (issue 30, finding 9): only the API's pods reach it.
/// </summary>
public static class SharedTokenCache
{
    /// <summary>The configuration key of the container's URI.</summary>
    public const string ContainerUriKey = "TokenCache:ContainerUri";

    public static void Add(MicrosoftIdentityAppCallsWebApiAuthenticationBuilder calls, WebApplicationBuilder builder, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration[ContainerUriKey] is not { Length: > 0 } containerUri)
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"{ContainerUriKey} is not set: outside Development the web's token cache must be shared by its replicas, or a rollout signs users out.");
            }

            calls.AddInMemoryTokenCaches();
            return;
        }

        // Deployed: the container's URI and the pod's workload identity. A URI that carries its own SAS (an emulator, a
        // deployment without Entra ID for storage) is used as it is.
        var uri = new Uri(containerUri);
        var container = uri.Query.Contains("sig=", StringComparison.Ordinal)
            ? new BlobContainerClient(uri)
            : new BlobContainerClient(uri, credential ?? new DefaultAzureCredential());
        builder.Services.AddSingleton<IDistributedCache>(services => new BlobDistributedCache(container, services.GetRequiredService<TimeProvider>()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        calls.AddDistributedTokenCaches();
        builder.Services.Configure<MsalDistributedTokenCacheAdapterOptions>(options =>
        {
            options.Encrypt = true;
            // A store that is away must not take the web down: a failed read is a cache miss (the user signs in again).
            options.OnL2CacheFailure = _ => false;
        });
    }
}
