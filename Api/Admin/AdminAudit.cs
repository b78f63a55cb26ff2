using Azure;
using Azure.Data.Tables;

namespace Api.Admin;

/// <summary>
/// The audit trail of admin actions: appended to, never changed or removed. Each action is written before it is
/// carried out (an action the store cannot record is not carried out: 503), as one row added under the request's
/// own id (a partition per day, <c>a{yyyyMMdd}</c>; rows in time order), so a retry after a lost answer finds its row
/// and adds nothing: exactly one record per call. The same record is logged (category <see cref="Category"/>), which
/// the platform's log pipeline ships to Log Analytics. This class offers no update and no delete. Deployed, each record
/// is first appended to a write-once blob (<see cref="AuditBlobLog"/>), since the API's identity could edit the table.
/// </summary>
public sealed class AdminAudit(TableServiceClient tables, TimeProvider time, ILoggerFactory loggers, AuditBlobLog? immutableCopy = null)
{
    public const string Category = "Api.Audit";

    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    private readonly TableClient _table = tables.GetTableClient(Shared.TableNames.AdminAudit);
    private readonly ILogger _log = loggers.CreateLogger(Category);

    public async Task<AdminAction> RecordAsync(string requestId, string actorId, string role, string action, string target, string detail, CancellationToken cancellationToken)
    {
        var record = new AdminAction(time.GetUtcNow(), requestId, actorId, role, action, target, detail);
        var entity = new TableEntity(Partition(record.At), RowKey(record))
        {
            ["ActorId"] = actorId,
            ["Role"] = role,
            ["Action"] = action,
            ["Target"] = target,
            ["Detail"] = detail,
            ["At"] = record.At,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WriteTimeout);
        if (immutableCopy is not null)
        {
            // The copy no one can edit comes first: an action it cannot hold is not carried out.
            await immutableCopy.AppendAsync(record, timeout.Token);
        }

        while (true)
        {
            try
            {
                await _table.AddEntityAsync(entity, timeout.Token);
                break;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Written by an attempt whose answer was lost: the record is there, once.
                break;
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
            {
                await _table.CreateIfNotExistsAsync(timeout.Token);
            }
        }

        AuditEvents.AdminActionRecorded(_log, action, target, actorId, role, requestId, detail);
        return record;
    }

    /// <summary>The actions of the days from <paramref name="from"/> to <paramref name="to"/>, oldest first.</summary>
    public async Task<IReadOnlyList<AdminAction>> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var actions = new List<AdminAction>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            try
            {
                await foreach (var entity in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition(day)}"), cancellationToken: cancellationToken))
                {
                    actions.Add(new AdminAction(entity.GetDateTimeOffset("At") ?? entity.Timestamp ?? default, entity.RowKey[(entity.RowKey.IndexOf('_') + 1)..],
                        entity.GetString("ActorId") ?? string.Empty, entity.GetString("Role") ?? string.Empty, entity.GetString("Action") ?? string.Empty,
                        entity.GetString("Target") ?? string.Empty, entity.GetString("Detail") ?? string.Empty));
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
            {
                break;
            }
        }

        return actions;
    }

    private static string Partition(DateTimeOffset at) => Partition(DateOnly.FromDateTime(at.UtcDateTime));

    private static string Partition(DateOnly day) => $"a{day:yyyyMMdd}";

    // The time first, so a day's rows list in order; the request's id after it, so the row is the call's own.
    private static string RowKey(AdminAction record) => $"{record.At.UtcTicks:D19}_{record.RequestId}";
}
