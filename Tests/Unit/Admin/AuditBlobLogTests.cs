using Api.Admin;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tests.Infrastructure;

namespace Tests.Unit.Admin;

/// <summary>
/// Issue 30, finding 13: the admin audit trail keeps a copy the API cannot edit, one append blob a day in the
/// write-once <c>audit</c> container. Against Azurite's blob and table services (npm, a real emulator; it does not
/// enforce retention policies, which the compiled template's test covers): the line is appended before the table row,
/// and an action whose line cannot be appended is not recorded at all (its caller answers 503 and does not act).
/// </summary>
public sealed class AuditBlobLogTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 23, 59, 0, TimeSpan.Zero));
    private AzuriteEmulator? _azurite;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _azurite = AzuriteEmulator.Start();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _azurite?.Dispose();
        return ValueTask.CompletedTask;
    }

    private BlobContainerClient Container => new(_azurite!.ConnectionString, AuditBlobLog.ContainerName);

    private AdminAudit Audit(AuditBlobLog? copy) =>
        new(new TableServiceClient(_azurite!.ConnectionString), _time, NullLoggerFactory.Instance, copy);

    [Fact]
    public async Task EachAction_IsAppendedToItsDaysBlob_InOrder_AndKeptInTheTable()
    {
        var copy = new AuditBlobLog(Container);
        await AzuriteEmulator.WaitUntilReadyAsync(() => Container.CreateIfNotExistsAsync(cancellationToken: Token));
        var audit = Audit(copy);

        await audit.RecordAsync("req-1", "admin-1", "Admin", "key.revoke", "key-9", "{}", Token);
        _time.Advance(TimeSpan.FromMinutes(2));
        await audit.RecordAsync("req-2", "admin-1", "Admin", "quota.set", "user-3", "{\"tokens\":5}", Token);

        var first = await copy.ReadAsync(new DateOnly(2026, 12, 7), Token);
        var second = await copy.ReadAsync(new DateOnly(2026, 12, 8), Token);
        Assert.Equal(["req-1"], first.Select(a => a.RequestId));
        Assert.Equal(["req-2"], second.Select(a => a.RequestId));
        Assert.Equal(("quota.set", "user-3", "{\"tokens\":5}"), (second[0].Action, second[0].Target, second[0].Detail));
        // One append blob a day, grown by blocks (never rewritten).
        var properties = (await Container.GetBlobClient(AuditBlobLog.BlobName(new DateOnly(2026, 12, 7))).GetPropertiesAsync(cancellationToken: Token)).Value;
        Assert.Equal(Azure.Storage.Blobs.Models.BlobType.Append, properties.BlobType);
        Assert.Equal(["req-1", "req-2"], (await audit.ReadAsync(new DateOnly(2026, 12, 7), new DateOnly(2026, 12, 8), Token)).Select(a => a.RequestId));
    }

    [Fact]
    public async Task ManyActionsAtOnce_LoseNoLine()
    {
        var copy = new AuditBlobLog(Container);
        var audit = Audit(copy);

        await AzuriteEmulator.WaitUntilReadyAsync(() => audit.RecordAsync("warm-up", "admin-2", "Admin", "usage.read", "-", "{}", Token));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => audit.RecordAsync($"req-{i}", "admin-2", "Admin", "usage.read", $"user-{i}", "{}", Token)));

        var lines = await copy.ReadAsync(new DateOnly(2026, 12, 7), Token);
        Assert.Equal(21, lines.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"req-{i}").Order(StringComparer.Ordinal), lines.Select(l => l.RequestId).Where(r => r != "warm-up").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnActionWhoseLineCannotBeAppended_IsNotRecorded()
    {
        var unreachable = new AuditBlobLog(new BlobContainerClient(new Uri("http://127.0.0.1:1/devstoreaccount1/audit"), new BlobClientOptions { Retry = { MaxRetries = 0 } }));
        var audit = Audit(unreachable);

        await Assert.ThrowsAnyAsync<Exception>(() => audit.RecordAsync("req-lost", "admin-3", "Admin", "key.revoke", "key-1", "{}", Token));

        Assert.Empty(await Audit(null).ReadAsync(new DateOnly(2026, 12, 7), new DateOnly(2026, 12, 7), Token));
    }
}
