using Azure;
using Azure.Data.Tables;
using Api.Conversations;
using Microsoft.Extensions.Options;
using static Api.Usage.UsageEntities;

namespace Api.Usage;

/// <summary>
/// The ledger's rows in Table Storage (<see cref="UsageEntities"/>): the day's total, and one row per request added
/// with it in one batch under the total's ETag (the one this replica wrote last, else read first). A parallel writer
/// makes the batch fail whole; it is read and sent again until its caller's time runs out. A request already written (a retry after an answer that was lost) is not counted
/// twice: its row exists, and the batch is refused for that.
/// </summary>
public sealed class UsageStore(TableServiceClient tables, UsageRollups rollups, IOptions<ConversationOptions> options, TimeProvider time)
{
    /// <summary>How many users' day rows are remembered as last written; past it they are read again.</summary>
    public const int RememberedDays = 200_000;

    private readonly TableClient _table = tables.GetTableClient(options.Value.TableName);

    // The day rows this replica wrote last: the next request of the same day is added without reading the row first.
    private readonly LastWritten<(string User, DateOnly Day), DayUsage> _written = new(RememberedDays);

    public async Task<DayUsage> GetDayAsync(string userKey, DateOnly day, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, DayRowKey(day), cancellationToken: cancellationToken);
            return response.HasValue && response.Value is { } entity ? FromDayEntity(day, entity) : new DayUsage(day, 0, 0, 0);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
            // No table yet: nobody has used anything.
            return new DayUsage(day, 0, 0, 0);
        }
    }

    /// <summary>Every request of a user's day, as the ledger recorded it.</summary>
    public async Task<IReadOnlyList<UsageRecord>> GetRequestsAsync(string userKey, DateOnly day, CancellationToken cancellationToken)
    {
        var prefix = $"{RequestPrefix}{day:yyyyMMdd}_";
        var rows = new List<UsageRecord>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(ConversationEntities.PrefixFilter(userKey, prefix), cancellationToken: cancellationToken))
        {
            rows.Add(FromRequestEntity(entity));
        }

        return rows;
    }

    /// <summary>
    /// Adds one request to the ledger (once, whatever the retries): the user's day, then the admins' roll-ups
    /// (<see cref="UsageRollups"/>); throws when the store cannot take it in time. Each write counts a request once, so
    /// a retry after the first one succeeded and the second failed adds it to the roll-ups only.
    /// </summary>
    public async Task AddAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        await AddToUserAsync(record, cancellationToken);
        await rollups.AddAsync(record, cancellationToken);
    }

    private async Task AddToUserAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        var remembered = _written.Take((record.UserKey, record.Day));
        while (true)
        {
            var current = remembered ?? await GetDayAsync(record.UserKey, record.Day, cancellationToken);
            remembered = null;
            var total = ToDayEntity(record.UserKey, current, record);
            var actions = new List<TableTransactionAction>
            {
                current.ETag.Length > 0
                    ? new(TableTransactionActionType.UpdateReplace, total, new ETag(current.ETag))
                    : new(TableTransactionActionType.Add, total),
                new(TableTransactionActionType.Add, ToRequestEntity(record)),
            };
            try
            {
                var answers = await _table.SubmitTransactionAsync(actions, cancellationToken);
                if (answers.Value.Count > 0 && answers.Value[0].Headers.ETag is { } etag)
                {
                    _written.Remember((record.UserKey, record.Day), FromDayEntity(record.Day, total) with { ETag = etag.ToString() });
                }

                return;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex == 1 && ex.Status == 409)
            {
                // The request's row exists: an earlier attempt was written, whatever its caller heard.
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another request of the same user's day was added meanwhile: read the total again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 25)), time, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
            {
                await _table.CreateIfNotExistsAsync(cancellationToken);
            }
        }
    }
}
