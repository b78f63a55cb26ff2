using System.Text.Json;
using Api.Shared;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Api.Admin;

/// <summary>
/// The admin audit trail's copy that nobody can edit (issue 30, finding 13): the API's identity may write every table,
/// so the table alone is not append-only. Each action is also one JSON line appended to the day's append blob
/// (<c>admin/yyyy/MM/dd.jsonl</c>) in the <c>audit</c> container, whose versions no one may change or delete for their
/// retention, whatever their role (deployed: version-level WORM, appends to append blobs still allowed). Appending adds
/// blocks; no call here, nor any the API's role allows on that container, can rewrite or remove one. A retried call
/// whose first answer was lost may append its line twice: the request id tells the copies apart.
/// </summary>
public sealed class AuditBlobLog(BlobContainerClient container)
{
    public const string ContainerName = Shared.BlobContainerNames.Audit;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds the record's line to its day's blob (creating the blob, and the container where it may, the first time).</summary>
    public async Task AppendAsync(AdminAction record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var blob = container.GetAppendBlobClient(BlobName(DateOnly.FromDateTime(record.At.UtcDateTime)));
        var line = JsonSerializer.SerializeToUtf8Bytes(record, Json).Append((byte)'\n').ToArray();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var content = new MemoryStream(line, writable: false);
                await blob.AppendBlockAsync(content, cancellationToken: cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && attempt < 2)
            {
                if (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
                {
                    await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                }

                await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } }, cancellationToken);
            }
        }
    }

    /// <summary>The records of one day, in the order they were appended.</summary>
    public async Task<IReadOnlyList<AdminAction>> ReadAsync(DateOnly day, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await container.GetBlobClient(BlobName(day)).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
            return [.. content.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<AdminAction>(l, Json)!)];
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    public static string BlobName(DateOnly day) => $"admin/{day:yyyy'/'MM'/'dd}.jsonl";

    /// <summary>
    /// The container from configuration: <c>ConnectionStrings:audit</c> (Azurite, tests), else
    /// <c>Audit:ContainerUri</c> with the workload identity; null when neither is set (run mode: the table alone).
    /// </summary>
    public static AuditBlobLog? FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return BlobContainerConnection.Open(configuration, ContainerName, ContainerName, configuration["Audit:ContainerUri"]) is { } container
            ? new AuditBlobLog(container)
            : null;
    }
}
