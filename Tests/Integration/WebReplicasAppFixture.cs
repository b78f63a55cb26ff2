using System.Runtime.CompilerServices;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AppHost;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;
using Tests.TestDoubles.Entra;
using Tests.TestDoubles.Network;

namespace Tests.Integration;

/// <summary>
/// The app with two web replicas (<c>WithReplicas(2)</c>) signing users in with Entra ID, as deployed: the web and the
/// API talk to the Entra double as to <c>login.microsoftonline.com</c> (HTTPS through a proxy, a test certificate
/// authority they trust), the web redeems codes and keeps tokens with MSAL in its token cache, the API validates the
/// tokens the web sends. Each replica is reachable on its own port, as a load balancer would reach it.
/// </summary>
public sealed class WebReplicasAppFixture : AppFixture
{
    public const string WebClientId = "5b1c0e7a-0000-4000-8000-0000000000e1";
    public const string ApiClientId = "a9f3d2c1-0000-4000-8000-0000000000a1";
    private const string WebSecret = "web-secret-for-the-entra-double";

    private TestCertificateAuthority? _authority;
    private AzuriteEmulator? _tokenCacheStorage;

    public EntraDouble Entra { get; private set; } = null!;

    protected override async Task ConfigureAsync(IDistributedApplicationTestingBuilder builder, IResourceBuilder<ProjectResource> api)
    {
        _authority = new TestCertificateAuthority();
        Entra = await EntraDouble.StartAsync(_authority);
        // The web's token cache: a blob container of its own (deployed, the storage account's; here Azurite's blob
        // service), reached with a SAS URI since Azurite takes no Entra tokens over plain HTTP.
        _tokenCacheStorage = AzuriteEmulator.Start();
        var tokenCache = new Azure.Storage.Blobs.BlobContainerClient(_tokenCacheStorage.ConnectionString, "tokencache");
        await AzuriteEmulator.WaitUntilReadyAsync(() => tokenCache.CreateIfNotExistsAsync());
        var tokenCacheUri = tokenCache.GenerateSasUri(Azure.Storage.Sas.BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddDays(1));
        Entra.Register(ApiClientId);
        var web = builder.CreateResourceBuilder<ProjectResource>(ResourceNames.Web).WithReplicas(2);
        foreach (var (name, value) in Entra.ClientEnvironment)
        {
            api.WithEnvironment(name, value);
            web.WithEnvironment(name, value);
        }

        api.WithEnvironment("Auth__Jwt__Authority", Entra.Issuer)
            .WithEnvironment("Auth__Jwt__Audience", ApiClientId)
            .WithEnvironment("Auth__Jwt__RequiredScope", "chat")
            .WithEnvironment("Auth__Jwt__ClientIds__0", WebClientId);
        web.WithEnvironment("AzureAd__Instance", $"https://{EntraDouble.Host}/")
            .WithEnvironment("AzureAd__TenantId", Entra.TenantId)
            .WithEnvironment("AzureAd__ClientId", WebClientId)
            .WithEnvironment("AzureAd__ClientSecret", WebSecret)
            .WithEnvironment("Api__Scope", $"api://{ApiClientId}/chat")
            .WithEnvironment("TokenCache__ContainerUri", tokenCacheUri.ToString());
    }

    /// <summary>The blobs of the web's token cache (one per user who signed in).</summary>
    public async Task<int> TokenCacheEntriesAsync()
    {
        var count = 0;
        await foreach (var _ in new Azure.Storage.Blobs.BlobContainerClient(_tokenCacheStorage!.ConnectionString, "tokencache").GetBlobsAsync())
        {
            count++;
        }

        return count;
    }

    /// <summary>The running web replicas: each one's resource id and its own address (not the AppHost's proxy).</summary>
    public async Task<IReadOnlyList<(string Id, Uri Address)>> WebReplicasAsync()
    {
        var found = new Dictionary<string, Uri>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(TestTimeouts.ResourceHealthy);
        await foreach (var update in Notifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name != ResourceNames.Web)
            {
                continue;
            }

            var address = update.Snapshot.State?.Text == KnownResourceStates.Running ? ReplicaAddress(update.Snapshot) : null;
            if (address is null)
            {
                found.Remove(update.ResourceId);
            }
            else
            {
                found[update.ResourceId] = address;
            }

            if (found.Count == 2)
            {
                break;
            }
        }

        // As the provision hook registers the web: redirect URIs, and auth_time in its ID tokens (recent sign-in for keys).
        Entra.Register(WebClientId, WebSecret, found.Values.Select(a => new Uri(a, "signin-oidc").ToString()), ["auth_time"]);
        return [.. found.Select(f => (f.Key, f.Value))];
    }

    /// <summary>
    /// Ends one replica as Kubernetes ends a pod in a rollout, a scale-in or a node drain: SIGTERM to its process, then
    /// waits until it has exited and its port refuses connections.
    /// </summary>
    public async Task StopReplicaAsync(string resourceId)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.ResourceHealthy);
        int? pid = null;
        await foreach (var update in Notifications.WatchAsync(timeout.Token))
        {
            if (update.ResourceId == resourceId && update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value)
            {
                pid = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
            }
        }

        using var process = System.Diagnostics.Process.GetProcessById(pid ?? throw new InvalidOperationException($"{resourceId} has no process id."));
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
    }

    private ResourceNotificationService Notifications => App.Services.GetRequiredService<ResourceNotificationService>();

    /// <summary>A replica's own HTTP address: the port its process listens on (its environment), on localhost.</summary>
    private static Uri? ReplicaAddress(CustomResourceSnapshot snapshot)
    {
        var urls = snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "ASPNETCORE_URLS")?.Value;
        var http = urls?.Split(';').FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal));
        return http is null ? null : new Uri(new Uri(http.Replace("+", "localhost", StringComparison.Ordinal).Replace("*", "localhost", StringComparison.Ordinal)), "/");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Entra is not null)
        {
            await Entra.DisposeAsync();
        }

        _authority?.Dispose();
        _tokenCacheStorage?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class WebReplicasAppCollection : ICollectionFixture<WebReplicasAppFixture>
{
    public const string Name = "AppWithTwoWebReplicasAndEntra";
}
