using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace Api.Backups;

/// <summary>What a backup wrote, saved beside it as <c>{name}.manifest.json</c>.</summary>
public sealed record BackupManifest(string Table, string Blob, DateTimeOffset TakenAt, long Entities, long Bytes, string Sha256);

/// <summary>
/// Table Storage has no point-in-time restore and AzCopy dropped table support, so backups are exports: every entity of
/// a table, one JSON line each with its property types, gzip-compressed, into a blob container with versioning and
/// soft delete. Restore reads an export back into a table, in batches of one partition (at most 100 entities and
/// under the 4 MB batch limit), upserting, so a restore can be run again safely.
/// </summary>
public sealed class TableBackup(ILogger<TableBackup> logger)
{
    private const int MaxBatchEntities = 100;
    private const long MaxBatchBytes = 3 * 1024 * 1024;

    public async Task<BackupManifest> ExportAsync(TableClient table, BlobContainerClient container, DateTimeOffset takenAt, CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var blobName = $"{table.Name}/{takenAt:yyyyMMdd'T'HHmmss'Z'}.jsonl.gz";
        var entities = 0L;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var file = Path.GetTempFileName();
        try
        {
            await using (var output = File.Create(file))
            await using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
            {
                await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
                {
                    var line = Encoding.UTF8.GetBytes(Serialize(entity).ToJsonString() + "\n");
                    hash.AppendData(line);
                    await gzip.WriteAsync(line, cancellationToken);
                    entities++;
                }
            }

            var bytes = new FileInfo(file).Length;
            await container.GetBlobClient(blobName).UploadAsync(file, overwrite: false, cancellationToken);
            var manifest = new BackupManifest(table.Name, blobName, takenAt, entities, bytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
            await container.GetBlobClient(blobName + ".manifest.json").UploadAsync(BinaryData.FromObjectAsJson(manifest), overwrite: false, cancellationToken);
            logger.LogInformation("Backed up {Entities} entities of {Table} to {Blob} ({Bytes} bytes).", entities, table.Name, blobName, bytes);
            return manifest;
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async Task<long> RestoreAsync(BlobClient backup, TableClient target, CancellationToken cancellationToken)
    {
        await target.CreateIfNotExistsAsync(cancellationToken);
        await using var input = await backup.OpenReadAsync(cancellationToken: cancellationToken);
        await using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);

        var expected = await ReadManifestAsync(backup, cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var restored = 0L;
        var batch = new List<TableTransactionAction>();
        var batchBytes = 0L;
        string? partition = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
            var entity = Deserialize(JsonNode.Parse(line)!.AsObject());
            if (batch.Count > 0 && (entity.PartitionKey != partition || batch.Count == MaxBatchEntities || batchBytes + line.Length > MaxBatchBytes))
            {
                restored += await SubmitAsync(target, batch, cancellationToken);
                batchBytes = 0;
            }

            partition = entity.PartitionKey;
            batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
            batchBytes += line.Length;
        }

        restored += await SubmitAsync(target, batch, cancellationToken);
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (expected is not null && (expected.Sha256 != actual || expected.Entities != restored))
        {
            throw new InvalidDataException($"The backup {backup.Name} does not match its manifest ({restored} entities, SHA-256 {actual}; expected {expected.Entities}, {expected.Sha256}).");
        }

        logger.LogInformation("Restored {Entities} entities from {Blob} into {Table}.", restored, backup.Name, target.Name);
        return restored;
    }

    private static async Task<BackupManifest?> ReadManifestAsync(BlobClient backup, CancellationToken cancellationToken)
    {
        var manifest = backup.GetParentBlobContainerClient().GetBlobClient(backup.Name + ".manifest.json");
        try
        {
            return (await manifest.DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<BackupManifest>();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static async Task<int> SubmitAsync(TableClient target, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        await target.SubmitTransactionAsync(batch, cancellationToken);
        var count = batch.Count;
        batch.Clear();
        return count;
    }

    /// <summary>One entity as JSON with each property's type, so a restore gives back exactly what was stored.</summary>
    internal static JsonObject Serialize(TableEntity entity)
    {
        var properties = new JsonObject();
        foreach (var (name, value) in entity.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag" || value is null)
            {
                continue;
            }

            properties[name] = value switch
            {
                string text => Typed("String", text),
                int number => Typed("Int32", number),
                long number => Typed("Int64", number.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                double number => Typed("Double", number),
                bool flag => Typed("Boolean", flag),
                DateTimeOffset time => Typed("DateTime", time.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
                DateTime time => Typed("DateTime", new DateTimeOffset(time.ToUniversalTime()).ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
                Guid id => Typed("Guid", id.ToString()),
                byte[] bytes => Typed("Binary", Convert.ToBase64String(bytes)),
                BinaryData data => Typed("Binary", Convert.ToBase64String(data.ToArray())),
                _ => throw new NotSupportedException($"Property {name} has an unsupported type {value.GetType().Name}."),
            };
        }

        return new JsonObject { ["PartitionKey"] = entity.PartitionKey, ["RowKey"] = entity.RowKey, ["Properties"] = properties };

        static JsonObject Typed(string type, JsonNode value) => new() { ["type"] = type, ["value"] = value };
    }

    internal static TableEntity Deserialize(JsonObject line)
    {
        var entity = new TableEntity(line["PartitionKey"]!.GetValue<string>(), line["RowKey"]!.GetValue<string>());
        foreach (var (name, node) in line["Properties"]!.AsObject())
        {
            var value = node!["value"]!;
            entity[name] = node["type"]!.GetValue<string>() switch
            {
                "String" => value.GetValue<string>(),
                "Int32" => value.GetValue<int>(),
                "Int64" => long.Parse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                "Double" => value.GetValue<double>(),
                "Boolean" => value.GetValue<bool>(),
                "DateTime" => DateTimeOffset.Parse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                "Guid" => Guid.Parse(value.GetValue<string>()),
                "Binary" => Convert.FromBase64String(value.GetValue<string>()),
                var other => throw new InvalidDataException($"Unknown property type {other} in the backup."),
            };
        }

        return entity;
    }
}
