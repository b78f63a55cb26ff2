using Azure.Data.Tables;

namespace Api.Conversations;

/// <summary>
/// How conversations, their index entries, messages and daily usage are laid out as Table Storage entities in the
/// user's partition. Row keys: <c>c_{id}</c> the conversation (or its tombstone while it is being deleted);
/// <c>i_{inverted updated ticks}_{id}</c> its index entry, so a range query lists newest activity first;
/// <c>m_{id}_{sequence:D6}</c> its messages, in order. The usage ledger's rows share the partition (Api/Usage/UsageEntities.cs).
/// </summary>
internal static class ConversationEntities
{
    public const string ConversationPrefix = "c_";
    public const string IndexPrefix = "i_";
    public const string MessagePrefix = "m_";
    private const string DeletedProperty = "Deleted";

    /// <summary>The row's count of writes (<see cref="Conversation.Version"/>).</summary>
    private const string VersionProperty = "Version";

    public static string ConversationRowKey(string id) => ConversationPrefix + id;

    public static string MessageRowKey(string id, int sequence) => $"{MessagePrefix}{id}_{sequence:D6}";

    public static string MessagePrefixOf(string id) => $"{MessagePrefix}{id}_";

    public static string IndexRowKey(DateTimeOffset updatedAt, string id) => $"{IndexPrefix}{DateTimeOffset.MaxValue.UtcTicks - updatedAt.UtcTicks:D19}_{id}";

    public static string MessageId(int sequence) => sequence.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The filter of every row whose key starts with <paramref name="prefix"/> in the partition.</summary>
    public static string PrefixFilter(string userKey, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {userKey} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");

    public static bool IsTombstone(TableEntity entity) => entity.GetBoolean(DeletedProperty) == true;

    public static TableEntity ToEntity(string userKey, Conversation conversation) => new(userKey, ConversationRowKey(conversation.Id))
    {
        ["Title"] = conversation.Title,
        ["CreatedAt"] = conversation.CreatedAt,
        ["UpdatedAt"] = conversation.UpdatedAt,
        ["MessageCount"] = conversation.MessageCount,
        ["NextSequence"] = conversation.NextSequence,
        ["TitleGenerated"] = conversation.TitleGenerated,
        ["IndexRowKey"] = conversation.IndexRowKey,
        [VersionProperty] = conversation.Version,
    };

    /// <summary>
    /// The conversation's row while its messages are purged: it reads as gone, and every turn's write (which replaces
    /// this row under its ETag, in the same batch as its messages) fails, so nothing comes back.
    /// </summary>
    public static TableEntity ToTombstone(string userKey, Conversation conversation, DateTimeOffset deletedAt) => new(userKey, ConversationRowKey(conversation.Id))
    {
        [DeletedProperty] = true,
        ["DeletedAt"] = deletedAt,
        ["IndexRowKey"] = conversation.IndexRowKey,
        [VersionProperty] = conversation.Version + 1,
    };

    public static TableEntity ToIndexEntity(string userKey, Conversation conversation) => new(userKey, conversation.IndexRowKey)
    {
        ["ConversationId"] = conversation.Id,
        ["Title"] = conversation.Title,
        ["CreatedAt"] = conversation.CreatedAt,
        ["UpdatedAt"] = conversation.UpdatedAt,
        ["MessageCount"] = conversation.MessageCount,
    };

    public static Conversation FromEntity(TableEntity entity) => new(
        entity.RowKey[ConversationPrefix.Length..],
        entity.GetString("Title") ?? string.Empty,
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        entity.GetInt32("MessageCount") ?? 0,
        entity.GetInt32("NextSequence") ?? 0,
        entity.GetBoolean("TitleGenerated") ?? false,
        entity.GetString("IndexRowKey") ?? string.Empty,
        entity.ETag.ToString(),
        entity.GetInt64(VersionProperty) ?? 0);

    public static Conversation FromIndexEntity(TableEntity entity) => new(
        entity.GetString("ConversationId") ?? string.Empty,
        entity.GetString("Title") ?? string.Empty,
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        entity.GetInt32("MessageCount") ?? 0,
        NextSequence: 0,
        TitleGenerated: true,
        entity.RowKey,
        ETag: string.Empty);

    public static TableEntity ToMessageEntity(string userKey, string conversationId, StoredMessage message)
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
            ["InjectionFlagged"] = message.InjectionFlagged ? true : null,
        };
        MessageContentChunks.Write(entity, message.Content);
        return entity;
    }

    public static int SequenceOf(string messageRowKey) =>
        int.Parse(messageRowKey.AsSpan(messageRowKey.Length - 6), System.Globalization.CultureInfo.InvariantCulture);

    public static StoredMessage FromMessageEntity(TableEntity entity)
    {
        var sequence = SequenceOf(entity.RowKey);
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
            entity.GetString("Error"),
            entity.GetBoolean("InjectionFlagged") ?? false);
    }
}
