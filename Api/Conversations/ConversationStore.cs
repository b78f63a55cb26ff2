using System.Net;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using static Api.Conversations.ConversationEntities;

namespace Api.Conversations;

/// <summary>
/// Conversations in Azure Table Storage, one partition per user (<see cref="ConversationEntities"/>), so a turn's
/// writes are one atomic batch and one user cannot reach another's rows. Every write to a conversation replaces its
/// row under the ETag it read, in the same batch as everything else it writes: two writers never both win, the loser
/// reads again and retries (with jitter, a bounded number of times), and a deleted conversation (a tombstone, then
/// nothing) makes every later write fail whole, so nothing is ever written back into it.
/// </summary>
public sealed class ConversationStore(TableServiceClient tables, ConversationVersions versions, IOptions<ConversationOptions> options, TimeProvider time, ILogger<ConversationStore> logger)
{
    private const int MaxBatchOperations = 100;

    /// <summary>
    /// Attempts of a rename or delete against concurrent writers before it gives up (409 conversation_busy). A turn's
    /// write keeps trying until its caller's time budget runs out instead: the user saw that reply.
    /// </summary>
    private const int MaxWriteAttempts = 16;

    private readonly TableClient _table = tables.GetTableClient(options.Value.TableName);
    private readonly SemaphoreSlim _ensureGate = new(1, 1);
    private volatile bool _tableReady;

    /// <summary>Creates a conversation; a title the user chose is final, a placeholder gives way to a generated one.</summary>
    public async Task<Conversation> CreateAsync(string userKey, string title, bool titleIsFinal, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var conversation = new Conversation(id, title, now, now, 0, 0, TitleGenerated: titleIsFinal, IndexRowKey(now, id), ETag: string.Empty, Version: 1);

        var responses = await _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, ToEntity(userKey, conversation)),
            new(TableTransactionActionType.Add, ToIndexEntity(userKey, conversation)),
        ], cancellationToken);
        await versions.RaiseAsync(userKey, id, conversation.Version);
        // The batch's answer carries the row's ETag: no read is needed to know the saved conversation.
        return responses.Value[0].Headers.ETag is { } etag ? conversation with { ETag = etag.ToString() } : await GetAsync(userKey, id, cancellationToken) ?? conversation;
    }

    /// <summary>The conversation, or null when it does not exist or is being deleted.</summary>
    public async Task<Conversation?> GetAsync(string userKey, string id, CancellationToken cancellationToken) =>
        await ReadAsync(userKey, id, cancellationToken) is { } entity && !IsTombstone(entity) ? FromEntity(entity) : null;

    public async Task<ConversationPageResult> ListAsync(string userKey, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var token = continuationToken is null ? null : DecodeContinuation(continuationToken);

        await foreach (var page in _table.QueryAsync<TableEntity>(PrefixFilter(userKey, IndexPrefix), maxPerPage: pageSize, cancellationToken: cancellationToken).AsPages(token, pageSize))
        {
            var items = page.Values.Select(FromIndexEntity).ToList();
            return new ConversationPageResult(items, page.ContinuationToken is null ? null : EncodeContinuation(page.ContinuationToken));
        }

        return new ConversationPageResult([], null);
    }

    public async Task<IReadOnlyList<StoredMessage>> GetMessagesAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var messages = new List<StoredMessage>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(PrefixFilter(userKey, MessagePrefixOf(id)), cancellationToken: cancellationToken))
        {
            messages.Add(FromMessageEntity(entity));
        }

        return messages;
    }


    /// <summary>Renames a conversation; null when it does not exist. Throws <see cref="ConversationBusyException"/> when other writes keep winning.</summary>
    public async Task<Conversation?> RenameAsync(string userKey, string id, string title, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var conversation = await GetAsync(userKey, id, cancellationToken);
            if (conversation is null)
            {
                return null;
            }

            var renamed = conversation with { Title = title, TitleGenerated = true, Version = conversation.Version + 1 };
            try
            {
                var responses = await _table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, ToEntity(userKey, renamed), new ETag(conversation.ETag)),
                    new(TableTransactionActionType.UpsertReplace, ToIndexEntity(userKey, renamed)),
                ], cancellationToken);
                await versions.RaiseAsync(userKey, id, renamed.Version);
                return responses.Value[0].Headers.ETag is { } etag ? renamed with { ETag = etag.ToString() } : renamed;
            }
            catch (TableTransactionFailedException ex) when (IsRace(ex))
            {
                await BackOffAsync(id, attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Deletes a conversation and its messages. First the conversation becomes a tombstone and leaves the index, in one
    /// batch under its ETag: from then on it reads as gone and no turn can write to it. Then its messages are purged
    /// and the tombstone removed. Idempotent: a concurrent or repeated delete finishes the purge (true) or finds
    /// nothing (false). An interrupted delete leaves a tombstone that the next delete, or <c>Api audit</c>, completes.
    /// </summary>
    public async Task<bool> DeleteAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entity = await ReadAsync(userKey, id, cancellationToken);
            if (entity is null)
            {
                return false;
            }

            if (IsTombstone(entity))
            {
                break;
            }

            var conversation = FromEntity(entity);
            try
            {
                await _table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, ToTombstone(userKey, conversation, time.GetUtcNow()), entity.ETag),
                    new(TableTransactionActionType.Delete, new TableEntity(userKey, conversation.IndexRowKey), ETag.All),
                ], cancellationToken);
                await versions.RaiseAsync(userKey, id, conversation.Version + 1);
                break;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound && ex.FailedTransactionActionIndex == 1)
            {
                // The index entry is already gone (an interrupted earlier delete): tombstone the conversation alone.
                await _table.UpdateEntityAsync(ToTombstone(userKey, conversation, time.GetUtcNow()), entity.ETag, TableUpdateMode.Replace, cancellationToken);
                await versions.RaiseAsync(userKey, id, conversation.Version + 1);
                break;
            }
            catch (TableTransactionFailedException ex) when (IsRace(ex))
            {
                await BackOffAsync(id, attempt, cancellationToken);
            }
        }

        await PurgeAsync(userKey, id, cancellationToken);
        return true;
    }

    /// <summary>Removes a tombstoned conversation's messages, then the tombstone. Safe to run twice at once.</summary>
    internal async Task PurgeAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(PrefixFilter(userKey, MessagePrefixOf(id)), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(entity.RowKey);
        }

        foreach (var chunk in keys.Chunk(MaxBatchOperations))
        {
            try
            {
                await _table.SubmitTransactionAsync(chunk.Select(rowKey => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(userKey, rowKey), ETag.All)), cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
            {
                // Another delete purged some of these first: delete the rest one by one.
                foreach (var rowKey in chunk)
                {
                    await DeleteIfExistsAsync(userKey, rowKey, cancellationToken);
                }
            }
        }

        await DeleteIfExistsAsync(userKey, ConversationRowKey(id), cancellationToken);
    }

    /// <summary>
    /// Writes a whole turn in one batch: the messages, the conversation's counters and title, its index entry moved
    /// to the top, and the day's usage, all under the ETags read. A concurrent write makes the batch fail whole; the
    /// turn is then renumbered after it and written again. The message limit is checked here, against the state the
    /// batch is conditioned on, so concurrent turns cannot take a conversation past it.
    /// </summary>
    /// <exception cref="ConversationDeletedException">The conversation was deleted: nothing was written.</exception>
    /// <exception cref="ConversationFullException">The turn would pass the message limit: nothing was written.</exception>
    /// <exception cref="ConversationBusyException">Other writes kept winning: nothing was written.</exception>
    public async Task<Conversation> AppendTurnAsync(string userKey, Conversation conversation, TurnWrite turn, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxMessagesPerConversation;
        var current = conversation;
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var actions = new List<TableTransactionAction>();
            var sequence = current.NextSequence;
            var added = 0;

            if (turn.UserMessage is { } user)
            {
                actions.Add(new(TableTransactionActionType.Add, ToMessageEntity(userKey, current.Id, user with { Sequence = sequence, Id = MessageId(sequence) })));
                sequence++;
                added++;
            }

            if (turn.ReplacesLastAssistant && turn.AssistantMessage.Sequence >= 0)
            {
                var assistant = turn.AssistantMessage with { Id = MessageId(turn.AssistantMessage.Sequence) };
                actions.Add(new(TableTransactionActionType.UpsertReplace, ToMessageEntity(userKey, current.Id, assistant)));
            }
            else
            {
                var assistant = turn.AssistantMessage with { Sequence = sequence, Id = MessageId(sequence) };
                actions.Add(new(TableTransactionActionType.Add, ToMessageEntity(userKey, current.Id, assistant)));
                sequence++;
                added++;
            }

            if (current.MessageCount + added > limit)
            {
                throw new ConversationFullException(current.Id, limit);
            }

            var updated = current with
            {
                Version = current.Version + 1,
                UpdatedAt = now,
                MessageCount = current.MessageCount + added,
                NextSequence = sequence,
                Title = current.TitleGenerated ? current.Title : turn.Title ?? current.Title,
                TitleGenerated = current.TitleGenerated || (turn.Title is not null && turn.TitleIsFinal),
                IndexRowKey = IndexRowKey(now, current.Id),
            };

            var conversationAction = actions.Count;
            actions.Add(new(TableTransactionActionType.UpdateReplace, ToEntity(userKey, updated), new ETag(current.ETag)));
            if (!string.Equals(updated.IndexRowKey, current.IndexRowKey, StringComparison.Ordinal))
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(userKey, current.IndexRowKey), ETag.All));
            }

            actions.Add(new(TableTransactionActionType.UpsertReplace, ToIndexEntity(userKey, updated)));

            try
            {
                // The batch's answer carries each row's new ETag: no read is needed to know the saved conversation.
                var responses = await _table.SubmitTransactionAsync(actions, cancellationToken);
                await versions.RaiseAsync(userKey, current.Id, updated.Version);
                return responses.Value[conversationAction].Headers.ETag is { } etag ? updated with { ETag = etag.ToString() } : updated;
            }
            catch (TableTransactionFailedException ex) when (IsRace(ex))
            {
                current = await GetAsync(userKey, current.Id, cancellationToken) ?? throw new ConversationDeletedException(conversation.Id);
                await BackOffAsync(current.Id, attempt, cancellationToken, maxAttempts: int.MaxValue);
            }
        }
    }

    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    /// <summary>The conversation's row, live or tombstone; null when there is none.</summary>
    private async Task<TableEntity?> ReadAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        await EnsureTableAsync(cancellationToken);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, ConversationRowKey(id), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private async Task DeleteIfExistsAsync(string userKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(userKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>Another writer changed or removed a row this batch was conditioned on (ETag, an Add, a Delete).</summary>
    private static bool IsRace(TableTransactionFailedException ex) =>
        ex.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict or (int)HttpStatusCode.NotFound;

    /// <summary>Waits a random few milliseconds, longer each attempt, so racing writers spread out; gives up after the last attempt.</summary>
    private async Task BackOffAsync(string id, int attempt, CancellationToken cancellationToken, int maxAttempts = MaxWriteAttempts)
    {
        if (attempt >= maxAttempts)
        {
            logger.LogWarning("A write to conversation {ConversationId} lost {Attempts} races in a row.", id, attempt);
            throw new ConversationBusyException(id);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 + (10 * Math.Min(attempt, 10)))), time, cancellationToken);
    }

    private static string EncodeContinuation(string token) => Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeContinuation(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            // The SDK's token is "{next partition key} {next row key}", both opaque to us (the service may encode them).
            // Anything else did not come from us. A token from another user's listing is harmless: the query's
            // filter keeps the partition the caller's own.
            var parts = decoded.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0 || decoded.Any(char.IsControl))
            {
                throw new InvalidContinuationTokenException();
            }

            return decoded;
        }
        catch (FormatException)
        {
            throw new InvalidContinuationTokenException();
        }
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_tableReady)
        {
            return;
        }

        await _ensureGate.WaitAsync(cancellationToken);
        try
        {
            if (!_tableReady)
            {
                await _table.CreateIfNotExistsAsync(cancellationToken);
                _tableReady = true;
            }
        }
        finally
        {
            _ensureGate.Release();
        }
    }
}
