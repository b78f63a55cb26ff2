using Api.Backups;
using Api.Conversations;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Tests.Infrastructure;

namespace Tests.Unit.Backups;

/// <summary>Backups and a tested restore, against Azurite's table and blob services (npm, a real emulator).</summary>
public sealed class TableBackupTests : IAsyncLifetime
{
    private readonly TableBackup _backup = new(NullLogger<TableBackup>.Instance);
    private AzuriteEmulator? _azurite;
    private TableServiceClient _tables = null!;
    private BlobContainerClient _backups = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _azurite = AzuriteEmulator.Start();
        _tables = new TableServiceClient(_azurite.ConnectionString);
        _backups = new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient("backups");
        await AzuriteEmulator.WaitUntilReadyAsync(async () =>
        {
            await _tables.GetTableClient("probe").CreateIfNotExistsAsync(Cancellation);
            await _backups.CreateIfNotExistsAsync(cancellationToken: Cancellation);
        });
    }

    public ValueTask DisposeAsync()
    {
        _azurite?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ExportThenRestore_IntoAnEmptyTable_GivesBackEveryEntityExactly()
    {
        var source = await SeedAsync("conversations");

        var manifest = await _backup.ExportAsync(source, _backups, DateTimeOffset.Parse("2026-11-26T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture), Cancellation);
        var target = _tables.GetTableClient("restored");
        var restored = await _backup.RestoreAsync(_backups.GetBlobClient(manifest.Blob), target, Cancellation);

        Assert.Equal("conversations/20261126T020000Z.jsonl.gz", manifest.Blob);
        Assert.Equal(manifest.Entities, restored);
        Assert.Equal(await SnapshotAsync(source), await SnapshotAsync(target));
        var longMessage = (await target.GetEntityAsync<TableEntity>("u_alice", "m_long_000001", cancellationToken: Cancellation)).Value;
        Assert.Equal(new string('é', 70_000), MessageContentChunks.Read(longMessage));
    }

    [Fact]
    public async Task Restore_RunTwice_IsTheSame()
    {
        var source = await SeedAsync("twice");
        var manifest = await _backup.ExportAsync(source, _backups, DateTimeOffset.UtcNow, Cancellation);
        var target = _tables.GetTableClient("twicerestored");

        await _backup.RestoreAsync(_backups.GetBlobClient(manifest.Blob), target, Cancellation);
        await _backup.RestoreAsync(_backups.GetBlobClient(manifest.Blob), target, Cancellation);

        Assert.Equal(await SnapshotAsync(source), await SnapshotAsync(target));
    }

    [Fact]
    public async Task Restore_BackupAlteredAfterTheFact_IsRefused()
    {
        var source = await SeedAsync("tampered");
        var manifest = await _backup.ExportAsync(source, _backups, DateTimeOffset.UtcNow, Cancellation);
        var blob = _backups.GetBlobClient(manifest.Blob);
        var lines = await ReadLinesAsync(blob);
        await UploadLinesAsync(blob, lines.Take(lines.Count - 1));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _backup.RestoreAsync(blob, _tables.GetTableClient("tamperedrestored"), Cancellation));

        Assert.Contains("does not match its manifest", error.Message);
    }

    [Fact]
    public async Task Export_BigPartition_RestoresInBatchesUnderTheLimits()
    {
        var source = _tables.GetTableClient("big");
        await source.CreateIfNotExistsAsync(Cancellation);
        foreach (var chunk in Enumerable.Range(0, 250).Chunk(100))
        {
            await source.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i:D4}") { ["Text"] = new string('x', 20_000) })), Cancellation);
        }

        var manifest = await _backup.ExportAsync(source, _backups, DateTimeOffset.UtcNow, Cancellation);
        var restored = await _backup.RestoreAsync(_backups.GetBlobClient(manifest.Blob), _tables.GetTableClient("bigrestored"), Cancellation);

        Assert.Equal(250, restored);
    }

    private async Task<TableClient> SeedAsync(string name)
    {
        var table = _tables.GetTableClient(name);
        await table.CreateIfNotExistsAsync(Cancellation);
        var message = new TableEntity("u_alice", "m_long_000001") { ["Role"] = "assistant", ["Fallback"] = false, ["PromptTokens"] = 21, ["TokensPerSecond"] = 142.5, ["CreatedAt"] = DateTimeOffset.Parse("2026-11-26T01:02:03.456Z", System.Globalization.CultureInfo.InvariantCulture) };
        MessageContentChunks.Write(message, new string('é', 70_000));
        await table.AddEntityAsync(message, Cancellation);
        await table.AddEntityAsync(new TableEntity("u_alice", "c_0001") { ["Title"] = "Hello", ["MessageCount"] = 2, ["Big"] = 5_000_000_000L, ["Id"] = Guid.Parse("5f0a3c4e-1b2d-4e6f-8a9b-0c1d2e3f4a5b"), ["Raw"] = new byte[] { 1, 2, 3 } }, Cancellation);
        await table.AddEntityAsync(new TableEntity("u_bob", "c_0002") { ["Title"] = "Another user" }, Cancellation);
        return table;
    }

    private static async Task<List<string>> SnapshotAsync(TableClient table)
    {
        var entities = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: Cancellation))
        {
            entities.Add(TableBackup.Serialize(entity).ToJsonString());
        }

        return entities;
    }

    private static async Task<List<string>> ReadLinesAsync(BlobClient blob)
    {
        await using var stream = await blob.OpenReadAsync(cancellationToken: Cancellation);
        await using var gzip = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return [.. (await reader.ReadToEndAsync(Cancellation)).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static async Task UploadLinesAsync(BlobClient blob, IEnumerable<string> lines)
    {
        using var buffer = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))), Cancellation);
        }

        buffer.Position = 0;
        await blob.UploadAsync(buffer, overwrite: true, Cancellation);
    }
}
