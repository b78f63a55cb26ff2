using System.Collections.Concurrent;

namespace Api.Usage;

/// <summary>
/// The rows this replica wrote last, each with its ETag: the next write of the same row is sent at once, under that
/// ETag, without reading the row first. A row another replica wrote since fails the write on its ETag and is read
/// again. A row is taken out while it is being written, so two writers here do not both trust it. Bounded: past
/// <see cref="Capacity"/> rows it starts over (each row is then read once more).
/// </summary>
internal sealed class LastWritten<TKey, TRow>(int capacity)
    where TKey : notnull
    where TRow : class
{
    private readonly ConcurrentDictionary<TKey, TRow> _rows = new();

    public int Capacity { get; } = capacity;

    public TRow? Take(TKey key) => _rows.TryRemove(key, out var row) ? row : null;

    public void Remember(TKey key, TRow row)
    {
        if (_rows.Count >= Capacity)
        {
            _rows.Clear();
        }

        _rows[key] = row;
    }
}
