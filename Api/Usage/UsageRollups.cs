using Azure;
using Azure.Data.Tables;
using Api.Conversations;
using static Api.Usage.UsageRollupEntities;

namespace Api.Usage;

/// <summary>
/// The admins' ledger (<see cref="UsageRollupEntities"/>): every settled request's row with the roll-up it adds to,
/// written in one batch under the roll-up's ETag (the one this replica wrote last, else read first); a parallel writer
/// of the same roll-up (another replica, another request) fails the batch whole, and it is read and sent again. A view
/// reads a day's roll-ups, never its requests.
/// </summary>
public sealed class UsageRollups(TableServiceClient tables, TimeProvider time)
{
    /// <summary>How many roll-ups are remembered as last written; past it they are read again.</summary>
    public const int RememberedRollups = 200_000;

    private readonly TableClient _table = tables.GetTableClient(Shared.TableNames.Usage);

    // The roll-ups this replica wrote last: the next request of the same roll-up is added without reading it first.
    private readonly LastWritten<(DateOnly Day, string Row), TableEntity> _written = new(RememberedRollups);

    /// <summary>Adds one request to its day's roll-up (once, whatever the retries); throws when the store cannot take it in time.</summary>
    public async Task AddAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        var key = (record.Day, RollupRowKey(record));
        var remembered = _written.Take(key);
        while (true)
        {
            try
            {
                var existing = remembered;
                if (existing is null)
                {
                    var current = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(record.Day), key.Item2, cancellationToken: cancellationToken);
                    existing = current.HasValue ? current.Value : null;
                }

                remembered = null;
                var rollup = Add(existing, record);
                List<TableTransactionAction> actions =
                [
                    new(TableTransactionActionType.Add, ToRequestEntity(record)),
                    existing is null
                        ? new(TableTransactionActionType.Add, rollup)
                        : new(TableTransactionActionType.UpdateReplace, rollup, existing.ETag),
                ];
                var answers = await _table.SubmitTransactionAsync(actions, cancellationToken);
                if (answers.Value.Count > 1 && answers.Value[1].Headers.ETag is { } etag)
                {
                    rollup.ETag = etag;
                    _written.Remember(key, rollup);
                }

                return;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex == 0 && ex.Status == 409)
            {
                // The request's row exists: an earlier attempt was written, whatever its caller heard.
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another request of the same roll-up was added meanwhile: read it again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 25)), time, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
            {
                await _table.CreateIfNotExistsAsync(cancellationToken);
            }
        }
    }

    /// <summary>A day's roll-ups: one query of one partition, whatever the number of requests.</summary>
    public Task<IReadOnlyList<UsageRollup>> ReadDayAsync(DateOnly day, CancellationToken cancellationToken) =>
        QueryAsync(day, RollupPrefix, FromRollupEntity, cancellationToken);

    /// <summary>A day's requests, each as recorded: for an audit of the roll-ups, not for the views.</summary>
    public Task<IReadOnlyList<UsageRecord>> ReadRequestsAsync(DateOnly day, CancellationToken cancellationToken) =>
        QueryAsync(day, RequestPrefix, entity => FromRequestEntity(day, entity), cancellationToken);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(DateOnly day, string prefix, Func<TableEntity, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        try
        {
            await foreach (var entity in _table.QueryAsync<TableEntity>(ConversationEntities.PrefixFilter(Partition(day), prefix), cancellationToken: cancellationToken))
            {
                rows.Add(read(entity));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
            // No table yet: nothing was used.
        }

        return rows;
    }
}
