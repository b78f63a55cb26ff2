using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Api.Conversations;

/// <summary>
/// A conversation's messages as they were when its row had <paramref name="ETag"/>; <paramref name="Conversation"/> is
/// that row, when the snapshot was taken from a write that returned it (its version then confirms the snapshot).
/// </summary>
public sealed record HistorySnapshot(string ETag, IReadOnlyList<StoredMessage> Messages, Conversation? Conversation = null);

/// <summary>
/// The history of conversations this replica wrote last, kept warm so that a turn calls the model at once with the
/// snapshot. With the shared store, the conversation's version there confirms it before the model is called, and the
/// turn reads nothing; alone, the turn reads the conversation's row (a point read) while the model works, instead of
/// querying every message first. A snapshot counts only while the row still has the ETag and version it was taken at:
/// any write anywhere (another replica's turn, a rename, a delete) changes both, and the turn then queries the
/// messages (and, alone, asks the model again) before anything is sent. Bounded by characters.
/// </summary>
public sealed class ConversationHistoryCache(IOptions<ConversationOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.HistoryCacheChars });

    /// <summary>Whether a snapshot is held (of whatever version): the turn then skips the query unless the version moved.</summary>
    public bool Has(string userKey, string conversationId) => _cache.TryGetValue(Key(userKey, conversationId), out _);

    /// <summary>The snapshot held, of whatever version: a turn may start on it while the row's version is read.</summary>
    public HistorySnapshot? Peek(string userKey, string conversationId) =>
        _cache.TryGetValue(Key(userKey, conversationId), out HistorySnapshot? snapshot) ? snapshot : null;

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
