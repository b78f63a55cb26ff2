using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Api.Conversations;

/// <summary>A conversation's messages as they were when its row had <paramref name="ETag"/>.</summary>
public sealed record HistorySnapshot(string ETag, IReadOnlyList<StoredMessage> Messages);

/// <summary>
/// The history of conversations this replica wrote last, kept warm so that a turn reads only two rows (the
/// conversation and the day's usage, point reads, together) instead of querying every message. A snapshot is used
/// only while the conversation's row still has the ETag it was taken at: any write anywhere (another replica's turn,
/// a rename, a delete) changes the ETag, and the turn then queries the messages as before. Bounded by characters.
/// </summary>
public sealed class ConversationHistoryCache(IOptions<ConversationOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.HistoryCacheChars });

    /// <summary>Whether a snapshot is held (of whatever version): the turn then skips the query unless the version moved.</summary>
    public bool Has(string userKey, string conversationId) => _cache.TryGetValue(Key(userKey, conversationId), out _);

    public IReadOnlyList<StoredMessage>? Get(string userKey, string conversationId, string etag) =>
        _cache.TryGetValue(Key(userKey, conversationId), out HistorySnapshot? snapshot) && snapshot!.ETag == etag ? snapshot.Messages : null;

    public void Set(string userKey, string conversationId, HistorySnapshot snapshot)
    {
        if (options.Value.HistoryCacheChars == 0 || snapshot.ETag.Length == 0)
        {
            return;
        }

        var size = 256 + snapshot.Messages.Sum(m => (long)m.Content.Length);
        _cache.Set(Key(userKey, conversationId), snapshot, new MemoryCacheEntryOptions { Size = size, SlidingExpiration = TimeSpan.FromMinutes(15) });
    }

    public void Remove(string userKey, string conversationId) => _cache.Remove(Key(userKey, conversationId));

    private static string Key(string userKey, string conversationId) => string.Concat(userKey, "/", conversationId);

    public void Dispose() => _cache.Dispose();
}
