using System.Net;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Api.Conversations;

/// <summary>
/// Conversations in Azure Table Storage, one partition per user, so a turn's writes are one atomic batch and
/// one user cannot reach another's rows. Row keys:
/// <list type="bullet">
/// <item><c>c_{id}</c>: the conversation;</item>
/// <item><c>i_{inverted updated ticks}_{id}</c>: its index entry, so a range query lists newest activity first;</item>
/// <item><c>m_{id}_{sequence:D6}</c>: its messages, in order.</item>
/// </list>
/// </summary>
public sealed class ConversationStore(TableServiceClient tables, IOptions<ConversationOptions> options, TimeProvider time, ILogger<ConversationStore> logger)
{
    private const int MaxBatchOperations = 100;
    private const int MaxConcurrencyRetries = 3;

    private readonly TableClient _table = tables.GetTableClient(options.Value.TableName);
    private readonly SemaphoreSlim _ensureGate = new(1, 1);
    private volatile bool _tableReady;

    /// <summary>Creates a conversation; a title the user chose is final, a placeholder gives way to a generated one.</summary>
    public async Task<Conversation> CreateAsync(string userKey, string title, bool titleIsFinal, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var conversation = new Conversation(id, title, now, now, 0, 0, TitleGenerated: titleIsFinal, IndexRowKey(now, id), ETag: string.Empty);

        var batch = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(userKey, conversation)),
            new(TableTransactionActionType.Add, ToIndexEntity(userKey, conversation)),
        };
        await _table.SubmitTransactionAsync(batch, cancellationToken);
        return await GetAsync(userKey, id, cancellationToken) ?? conversation;
    }

    public async Task<Conversation?> GetAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        await EnsureTableAsync(cancellationToken);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, ConversationRowKey(id), cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? FromEntity(entity) : null;
    }

    public async Task<ConversationPageResult> ListAsync(string userKey, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userKey} and RowKey ge {"i_"} and RowKey lt {"i`"}");
        var token = continuationToken is null ? null : DecodeContinuation(continuationToken);

        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken).AsPages(token, pageSize))
        {
            var items = page.Values.Select(FromIndexEntity).ToList();
            return new ConversationPageResult(items, page.ContinuationToken is null ? null : EncodeContinuation(page.ContinuationToken));
        }

        return new ConversationPageResult([], null);
    }

    public async Task<IReadOnlyList<StoredMessage>> GetMessagesAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var prefix = $"m_{id}_";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userKey} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
        var messages = new List<StoredMessage>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            messages.Add(FromMessageEntity(entity));
        }

        return messages;
    }

    /// <summary>The user's token usage on <paramref name="day"/> (UTC), kept in their partition as <c>usage_{yyyyMMdd}</c>.</summary>
    public async Task<DailyUsage> GetDailyUsageAsync(string userKey, DateOnly day, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, UsageRowKey(day), cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? FromUsageEntity(day, entity) : new DailyUsage(day, 0, 0, 0);
    }

    public async Task<Conversation?> RenameAsync(string userKey, string id, string title, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var conversation = await GetAsync(userKey, id, cancellationToken);
            if (conversation is null)
            {
                return null;
            }

            var renamed = conversation with { Title = title, TitleGenerated = true };
            try
            {
                await _table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, ToEntity(userKey, renamed), new ETag(conversation.ETag)),
                    new(TableTransactionActionType.UpsertReplace, ToIndexEntity(userKey, renamed)),
                ], cancellationToken);
                return await GetAsync(userKey, id, cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (IsConcurrencyConflict(ex) && attempt < MaxConcurrencyRetries)
            {
                logger.LogDebug("Rename of {ConversationId} raced another write; retrying.", id);
            }
        }
    }

    public async Task<bool> DeleteAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        var conversation = await GetAsync(userKey, id, cancellationToken);
        if (conversation is null)
        {
            return false;
        }

        // Messages first, conversation last: an interrupted delete leaves a conversation that can be deleted again,
        // never orphaned messages without one.
        var messageKeys = new List<string>();
        var prefix = $"m_{id}_";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userKey} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            messageKeys.Add(entity.RowKey);
        }

        foreach (var chunk in messageKeys.Chunk(MaxBatchOperations))
        {
            await _table.SubmitTransactionAsync(chunk.Select(rowKey => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(userKey, rowKey), ETag.All)), cancellationToken);
        }

        try
        {
            await _table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.Delete, new TableEntity(userKey, conversation.IndexRowKey), ETag.All),
                new(TableTransactionActionType.Delete, new TableEntity(userKey, ConversationRowKey(id)), ETag.All),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            // Deleted concurrently: the outcome the caller asked for.
        }

        return true;
    }

    /// <summary>
    /// Writes a whole turn in one batch: the messages, the conversation's counters and title, and its index entry
    /// moved to the top. A concurrent turn on the same conversation makes the ETag check fail; the turn is then
    /// renumbered after it and written again.
    /// </summary>
    public async Task<Conversation> AppendTurnAsync(string userKey, Conversation conversation, TurnWrite turn, CancellationToken cancellationToken)
    {
        var current = conversation;
        for (var attempt = 0; ; attempt++)
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

            StoredMessage assistant;
            if (turn.ReplacesLastAssistant && turn.AssistantMessage.Sequence >= 0)
            {
                assistant = turn.AssistantMessage with { Id = MessageId(turn.AssistantMessage.Sequence) };
                actions.Add(new(TableTransactionActionType.UpsertReplace, ToMessageEntity(userKey, current.Id, assistant)));
            }
            else
            {
                assistant = turn.AssistantMessage with { Sequence = sequence, Id = MessageId(sequence) };
                actions.Add(new(TableTransactionActionType.Add, ToMessageEntity(userKey, current.Id, assistant)));
                sequence++;
                added++;
            }

            var updated = current with
            {
                UpdatedAt = now,
                MessageCount = current.MessageCount + added,
                NextSequence = sequence,
                Title = current.TitleGenerated ? current.Title : turn.Title ?? current.Title,
                TitleGenerated = current.TitleGenerated || (turn.Title is not null && turn.TitleIsFinal),
                IndexRowKey = IndexRowKey(now, current.Id),
            };

            actions.Add(new(TableTransactionActionType.UpdateReplace, ToEntity(userKey, updated), new ETag(current.ETag)));
            if (!string.Equals(updated.IndexRowKey, current.IndexRowKey, StringComparison.Ordinal))
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(userKey, current.IndexRowKey), ETag.All));
            }

            actions.Add(new(TableTransactionActionType.UpsertReplace, ToIndexEntity(userKey, updated)));

            if (turn.Usage is { } usage)
            {
                actions.Add(await UsageActionAsync(userKey, usage, cancellationToken));
            }

            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken);
                return await GetAsync(userKey, current.Id, cancellationToken) ?? updated;
            }
            catch (TableTransactionFailedException ex) when (IsConcurrencyConflict(ex) && attempt < MaxConcurrencyRetries)
            {
                current = await GetAsync(userKey, current.Id, cancellationToken)
                    ?? throw new ConversationNotFoundException(conversation.Id);
            }
        }
    }

    /// <summary>Adds the turn's tokens to the day's usage, guarded by its ETag like the conversation.</summary>
    private async Task<TableTransactionAction> UsageActionAsync(string userKey, TurnUsage usage, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(userKey, UsageRowKey(usage.Day), cancellationToken: cancellationToken);
        var current = response.HasValue && response.Value is { } existing ? FromUsageEntity(usage.Day, existing) : new DailyUsage(usage.Day, 0, 0, 0);
        var entity = new TableEntity(userKey, UsageRowKey(usage.Day))
        {
            ["PromptTokens"] = current.PromptTokens + usage.PromptTokens,
            ["OutputTokens"] = current.OutputTokens + usage.OutputTokens,
            ["Replies"] = current.Replies + 1,
        };

        return response.HasValue && response.Value is { } found
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, found.ETag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
    }

    private static DailyUsage FromUsageEntity(DateOnly day, TableEntity entity) => new(
        day,
        entity.GetInt64("PromptTokens") ?? 0,
        entity.GetInt64("OutputTokens") ?? 0,
        entity.GetInt64("Replies") ?? 0);

    private static string UsageRowKey(DateOnly day) => $"usage_{day:yyyyMMdd}";

    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static string MessageId(int sequence) => sequence.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private static string ConversationRowKey(string id) => $"c_{id}";

    private static string MessageRowKey(string id, int sequence) => $"m_{id}_{sequence:D6}";

    private static string IndexRowKey(DateTimeOffset updatedAt, string id) => $"i_{DateTimeOffset.MaxValue.UtcTicks - updatedAt.UtcTicks:D19}_{id}";

    private static bool IsConcurrencyConflict(TableTransactionFailedException ex) =>
        ex.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict;

    private static TableEntity ToEntity(string userKey, Conversation conversation) => new(userKey, ConversationRowKey(conversation.Id))
    {
        ["Title"] = conversation.Title,
        ["CreatedAt"] = conversation.CreatedAt,
        ["UpdatedAt"] = conversation.UpdatedAt,
        ["MessageCount"] = conversation.MessageCount,
        ["NextSequence"] = conversation.NextSequence,
        ["TitleGenerated"] = conversation.TitleGenerated,
        ["IndexRowKey"] = conversation.IndexRowKey,
    };

    private static TableEntity ToIndexEntity(string userKey, Conversation conversation) => new(userKey, conversation.IndexRowKey)
    {
        ["ConversationId"] = conversation.Id,
        ["Title"] = conversation.Title,
        ["CreatedAt"] = conversation.CreatedAt,
        ["UpdatedAt"] = conversation.UpdatedAt,
        ["MessageCount"] = conversation.MessageCount,
    };

    private static Conversation FromEntity(TableEntity entity) => new(
        entity.RowKey[2..],
        entity.GetString("Title") ?? string.Empty,
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        entity.GetInt32("MessageCount") ?? 0,
        entity.GetInt32("NextSequence") ?? 0,
        entity.GetBoolean("TitleGenerated") ?? false,
        entity.GetString("IndexRowKey") ?? string.Empty,
        entity.ETag.ToString());

    private static Conversation FromIndexEntity(TableEntity entity) => new(
        entity.GetString("ConversationId") ?? string.Empty,
        entity.GetString("Title") ?? string.Empty,
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        entity.GetInt32("MessageCount") ?? 0,
        NextSequence: 0,
        TitleGenerated: true,
        entity.RowKey,
        ETag: string.Empty);

    private static TableEntity ToMessageEntity(string userKey, string conversationId, StoredMessage message)
    {
        var entity = new TableEntity(userKey, MessageRowKey(conversationId, message.Sequence))
        {
            ["Role"] = message.Role,
            ["Status"] = message.Status.ToString(),
            ["CreatedAt"] = message.CreatedAt,
            ["Model"] = message.Model,
            ["PromptTokens"] = message.PromptTokens,
            ["CompletionTokens"] = message.CompletionTokens,
            ["TimeToFirstTokenMs"] = message.TimeToFirstTokenMs,
            ["TokensPerSecond"] = message.TokensPerSecond,
            ["Fallback"] = message.Fallback,
            ["Error"] = message.Error,
        };
        MessageContentChunks.Write(entity, message.Content);
        return entity;
    }

    private static StoredMessage FromMessageEntity(TableEntity entity)
    {
        var sequence = int.Parse(entity.RowKey.AsSpan(entity.RowKey.Length - 6), System.Globalization.CultureInfo.InvariantCulture);
        return new StoredMessage(
            MessageId(sequence),
            sequence,
            entity.GetString("Role") ?? MessageRoles.User,
            MessageContentChunks.Read(entity),
            Enum.TryParse<MessageStatus>(entity.GetString("Status"), out var status) ? status : MessageStatus.Complete,
            entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            entity.GetString("Model"),
            entity.GetInt32("PromptTokens"),
            entity.GetInt32("CompletionTokens"),
            entity.GetDouble("TimeToFirstTokenMs"),
            entity.GetDouble("TokensPerSecond"),
            entity.GetBoolean("Fallback") ?? false,
            entity.GetString("Error"));
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
