using Api.Shared;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Api.Backups;

/// <summary>
/// The API image's second job, run by the backup CronJob: <c>backup</c> exports every configured table to the
/// <c>backups</c> container; <c>restore &lt;blob&gt; &lt;target-table&gt;</c> reads an export back into a table (never
/// the live one by default: restore beside it, check, then switch). Exit code 0 on success.
/// </summary>
public static class BackupCommand
{
    public static bool IsCommand(string[] args) => args is ["backup", ..] or ["restore", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args[1..]);
        builder.AddAzureTableServiceClient("tables");
        using var host = builder.Build();
        var tables = host.Services.GetRequiredService<TableServiceClient>();
        var logger = host.Services.GetRequiredService<ILogger<TableBackup>>();
        var backup = new TableBackup(logger);
        var container = Container(builder.Configuration);

        try
        {
            if (args[0] == "backup")
            {
                var names = builder.Configuration.GetSection("Backups:Tables").Get<string[]>() ?? [.. Shared.TableNames.All];
                var takenAt = DateTimeOffset.UtcNow;
                foreach (var name in names)
                {
                    await backup.ExportAsync(tables.GetTableClient(name), container, takenAt, CancellationToken.None);
                }

                return 0;
            }

            if (args is not ["restore", var blob, var target, ..])
            {
                logger.LogError("Usage: restore <blob name, for example conversations/20261126T020000Z.jsonl.gz> <target table>");
                return 2;
            }

            await backup.RestoreAsync(container.GetBlobClient(blob), tables.GetTableClient(target), CancellationToken.None);
            return 0;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidDataException or IOException)
        {
            logger.LogError(ex, "The {Command} failed.", args[0]);
            return 1;
        }
    }

    /// <summary><c>ConnectionStrings:backups</c> (Azurite, tests), else <c>Backups:BlobServiceUri</c> with the workload identity.</summary>
    private static BlobContainerClient Container(IConfiguration configuration)
    {
        var name = configuration["Backups:ContainerName"] ?? "backups";
        var service = configuration["Backups:BlobServiceUri"];
        return BlobContainerConnection.Open(configuration, "backups", name, service is { Length: > 0 } ? $"{service.TrimEnd('/')}/{name}" : null)
            ?? throw new InvalidOperationException("Set Backups:BlobServiceUri (https://{account}.blob.core.windows.net/) or ConnectionStrings:backups.");
    }
}
