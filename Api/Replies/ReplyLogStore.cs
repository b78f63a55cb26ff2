using Api.Llm;
using Api.Shared;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Api.Replies;

/// <summary>
/// Replies in progress as the shared store keeps them, so any replica can serve the rest of one: an ordered log of
/// its events (a list: Garnet has no Streams), its owner (user and conversation), a liveness key its replica renews,
/// a key that resuming readers renew, and each conversation's active reply. Cancellations go to every replica on one
/// channel. Every key lapses by itself.
/// </summary>
public sealed class ReplyLogStore(SharedStore store, IOptions<ReplyOptions> options, IOptions<LlmOptions> llm)
{
    private static readonly string EndScript = StoreScripts.Load("reply-end.lua");
    private static readonly RedisChannel Cancels = RedisChannel.Literal("llmchat:reply-cancel");

    /// <summary>How long a reply counts as alive after its replica last said so (it says so every few seconds).</summary>
    public static readonly TimeSpan AliveLease = TimeSpan.FromSeconds(15);

    /// <summary>How long a resuming reader counts as reading after it last said so.</summary>
    public static readonly TimeSpan ReadingLease = TimeSpan.FromSeconds(5);

    public SharedStore Store => store;

    private TimeSpan LogLifetime => llm.Value.Resilience.MaxStreamDuration + options.Value.Retention;

    private IDatabase Db => store.Database;

    public async Task BeginAsync(string replyId, string user, string conversationId)
    {
        var db = Db;
        await Task.WhenAll(
            db.StringSetAsync(Owner(replyId), OwnerValue(user, conversationId), LogLifetime),
            db.StringSetAsync(Alive(replyId), 1, AliveLease),
            db.StringSetAsync(Active(user, conversationId), replyId, LogLifetime));
    }

    public async Task AppendAsync(string replyId, RedisValue[] entries, bool first)
    {
        await Db.ListRightPushAsync(Log(replyId), entries);
        if (first)
        {
            await Db.KeyExpireAsync(Log(replyId), LogLifetime);
        }
    }

    public Task KeepAliveAsync(string replyId) => Db.StringSetAsync(Alive(replyId), 1, AliveLease);

    public async Task EndAsync(string replyId, string user, string conversationId)
    {
        await Db.ScriptEvaluateAsync(EndScript, [Log(replyId), Owner(replyId), Active(user, conversationId)], [replyId, (long)options.Value.Retention.TotalMilliseconds]);
        await Db.KeyDeleteAsync(Alive(replyId));
    }

    /// <summary>Whether the reply belongs to this user's conversation (as its owner key says).</summary>
    public async Task<bool> BelongsToAsync(string replyId, string user, string conversationId) =>
        await Db.StringGetAsync(Owner(replyId)) == OwnerValue(user, conversationId);

    public async Task<string?> ActiveAsync(string user, string conversationId) => await Db.StringGetAsync(Active(user, conversationId));

    public Task<RedisValue[]> ReadAsync(string replyId, int from) => Db.ListRangeAsync(Log(replyId), from, -1);

    public Task<RedisValue> ReadOneAsync(string replyId, int index) => Db.ListGetByIndexAsync(Log(replyId), index);

    public Task<bool> IsAliveAsync(string replyId) => Db.KeyExistsAsync(Alive(replyId));

    public Task<bool> HasReadersAsync(string replyId) => Db.KeyExistsAsync(Readers(replyId));

    public Task MarkReadingAsync(string replyId) => Db.StringSetAsync(Readers(replyId), 1, ReadingLease);

    public Task PublishCancelAsync(string replyId) => store.Connection.GetSubscriber().PublishAsync(Cancels, replyId);

    public Task SubscribeCancelsAsync(Action<string> cancel) =>
        store.Connection.GetSubscriber().SubscribeAsync(Cancels, (_, id) => cancel(id.ToString()));

    private static string OwnerValue(string user, string conversationId) => $"{user}/{conversationId}";

    private static RedisKey Log(string replyId) => $"llmchat:reply:{replyId}:log";

    private static RedisKey Owner(string replyId) => $"llmchat:reply:{replyId}:owner";

    private static RedisKey Alive(string replyId) => $"llmchat:reply:{replyId}:alive";

    private static RedisKey Readers(string replyId) => $"llmchat:reply:{replyId}:readers";

    private static RedisKey Active(string user, string conversationId) => $"llmchat:active:{user}:{conversationId}";
}
