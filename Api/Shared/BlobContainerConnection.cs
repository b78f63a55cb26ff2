using Azure.Identity;
using Azure.Storage.Blobs;

namespace Api.Shared;

/// <summary>
/// How the API opens a blob container of its own: a connection string (<c>ConnectionStrings:{name}</c>: Azurite in run
/// mode and in tests) names the blob service, else the container's URI is reached as the workload identity (AKS).
/// </summary>
public static class BlobContainerConnection
{
    /// <summary>The container, or null when neither a connection string nor a URI is configured.</summary>
    public static BlobContainerClient? Open(IConfiguration configuration, string connectionName, string containerName, string? containerUri)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            return new BlobContainerClient(connectionString, containerName);
        }

        return containerUri is { Length: > 0 } ? new BlobContainerClient(new Uri(containerUri), new DefaultAzureCredential()) : null;
    }
}
