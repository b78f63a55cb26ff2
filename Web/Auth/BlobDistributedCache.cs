using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Caching.Distributed;

namespace Web.Auth;

/// <summary>
/// A distributed cache in one blob container (the web's token cache, shared by its replicas), so the web needs no
/// network path to the API's shared store. Each entry is one blob named by the SHA-256 of its key; its expiry is kept in
/// the blob's metadata: <c>expires</c> (when it lapses, Unix seconds), and for a sliding entry <c>sliding</c> (seconds)
/// and <c>absolute</c> (the latest it may be kept to). A read of a lapsed entry is a miss and deletes it; a read of a
/// sliding entry pushes its expiry on once half its window has passed. Failures are thrown, so the token cache adapter
/// treats them as misses (the user signs in again) rather than as a stored answer.
/// </summary>
public sealed class BlobDistributedCache(BlobContainerClient container, TimeProvider time) : IDistributedCache
{
    private const string ExpiresKey = "expires";
    private const string SlidingKey = "sliding";
    private const string AbsoluteKey = "absolute";

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var blob = container.GetBlobClient(BlobName(key));
        BlobDownloadResult download;
        try
        {
            download = (await blob.DownloadContentAsync(token)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        var metadata = download.Details.Metadata;
        var now = time.GetUtcNow();
        if (Read(metadata, ExpiresKey) is { } expires && expires <= now)
        {
            await DeleteIfUnchangedAsync(blob, download.Details.ETag, token);
            return null;
        }

        await SlideAsync(blob, metadata, download.Details.ETag, now, token);
        return download.Content.ToArray();
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var now = time.GetUtcNow();
        DateTimeOffset? absolute = options.AbsoluteExpiration
            ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        if (absolute <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), absolute, "The absolute expiration is in the past.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.SlidingExpiration is { } sliding)
        {
            metadata[SlidingKey] = ((long)sliding.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            if (absolute is { } latest)
            {
                metadata[AbsoluteKey] = Seconds(latest);
            }

            metadata[ExpiresKey] = Seconds(Earliest(now + sliding, absolute));
        }
        else if (absolute is { } expires)
        {
            metadata[ExpiresKey] = Seconds(expires);
        }

        await container.GetBlobClient(BlobName(key)).UploadAsync(
            BinaryData.FromBytes(value),
            new BlobUploadOptions { Metadata = metadata, HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } },
            token);
    }

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var blob = container.GetBlobClient(BlobName(key));
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: token)).Value;
            await SlideAsync(blob, properties.Metadata, properties.ETag, time.GetUtcNow(), token);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        container.GetBlobClient(BlobName(key)).DeleteIfExistsAsync(cancellationToken: token);

    /// <summary>The blob of a key: its SHA-256 in hex, so any key is a valid name and none is shown in the listing.</summary>
    public static string BlobName(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    private static async Task SlideAsync(BlobClient blob, IDictionary<string, string> metadata, ETag etag, DateTimeOffset now, CancellationToken token)
    {
        if (!metadata.TryGetValue(SlidingKey, out var text) || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Read(metadata, ExpiresKey) is not { } expires)
        {
            return;
        }

        var window = TimeSpan.FromSeconds(seconds);
        var next = Earliest(now + window, Read(metadata, AbsoluteKey));
        // Half the window gone: write the new expiry (one metadata call, not one per read).
        if (expires - now > window / 2 || next <= expires)
        {
            return;
        }

        var updated = new Dictionary<string, string>(metadata, StringComparer.Ordinal) { [ExpiresKey] = Seconds(next) };
        try
        {
            await blob.SetMetadataAsync(updated, new BlobRequestConditions { IfMatch = etag }, token);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Written or removed meanwhile: that write carries its own expiry.
        }
    }

    private static async Task DeleteIfUnchangedAsync(BlobClient blob, ETag etag, CancellationToken token)
    {
        try
        {
            await blob.DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = etag }, cancellationToken: token);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Written again meanwhile: the new entry stays.
        }
    }

    private static DateTimeOffset Earliest(DateTimeOffset value, DateTimeOffset? limit) => limit is { } l && l < value ? l : value;

    private static string Seconds(DateTimeOffset value) => value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset? Read(IDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
