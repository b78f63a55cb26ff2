using Api.Shared;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Api.Conversations;

/// <summary>
/// Each conversation's highest version (<see cref="Conversation.Version"/>) in the shared store. The one script call a
/// model request makes before the model is called also reads it, so a replica knows then whether the history it holds
/// warm is the stored one, and a turn on it reads nothing from the table before the model's first token. Every write
/// raises the version it wrote, before the write's caller hears of it; a raise that does not reach the store is tried
/// again until it does or the version's life has passed. A missing version (never written since the store started,
/// or unused for <see cref="Life"/>) sends the turn to the table. The key names the table, so a restore into another
/// table starts with none.
/// </summary>
public sealed class ConversationVersions(SharedStore store, IOptions<ConversationOptions> options, ILogger<ConversationVersions> logger)
{
    /// <summary>How long a version lives in the store after its last write.</summary>
    public static readonly TimeSpan Life = TimeSpan.FromMinutes(10);

    private static readonly string Raise = StoreScripts.Load("conversation-version.lua");

    /// <summary>The conversation's version key.</summary>
    public RedisKey Key(string userKey, string conversationId) =>
        $"llmchat:conversations:{options.Value.TableName}:{userKey}:{conversationId}:version";

    /// <summary>Raises the conversation's version in the store to <paramref name="version"/> (never lowers it).</summary>
    public async Task RaiseAsync(string userKey, string conversationId, long version)
    {
        if (!store.Configured)
        {
            return;
        }

        if (!await TryRaiseAsync(userKey, conversationId, version))
        {
            _ = RaiseLaterAsync(userKey, conversationId, version);
        }
    }

    private async Task<bool> TryRaiseAsync(string userKey, string conversationId, long version)
    {
        if (!store.Usable)
        {
            return false;
        }

        try
        {
            await store.Database.ScriptEvaluateAsync(Raise, [Key(userKey, conversationId)], [version, (long)Life.TotalMilliseconds]);
            return true;
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            store.Failed(ex, "raising a conversation's version");
            return false;
        }
    }

    /// <summary>
    /// While the store was away, another replica holding this conversation's older version could take its snapshot for
    /// the stored history: the raise is tried again until it lands, or until a version that old would have expired.
    /// </summary>
    private async Task RaiseLaterAsync(string userKey, string conversationId, long version)
    {
        var time = store.Time;
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < Life)
        {
            await Task.Delay(SharedStore.RetryAfterFailure, time);
            if (await TryRaiseAsync(userKey, conversationId, version))
            {
                return;
            }
        }

        logger.LogWarning("A conversation's version could not be raised in the shared store within {Life}; it has expired there since.", Life);
    }
}
