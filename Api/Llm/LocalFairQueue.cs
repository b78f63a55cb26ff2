namespace Api.Llm;

/// <summary>
/// One replica's admission to a backend while the shared store is away: its share of the capacity in flight, then a
/// queue served fairly across users, as the shared one is (start-time fair queuing: a waiting request is tagged one
/// past the later of the virtual time and its user's last tag; lowest first, the latest arrival first among equals),
/// and no user holding more than <c>maxPerUser</c> of it.
/// </summary>
internal sealed class LocalFairQueue(int capacity, int maxQueue, int maxPerUser = int.MaxValue)
{
    private readonly Lock _lock = new();
    private readonly SortedSet<Waiter> _queue = new(Comparer<Waiter>.Create(static (a, b) =>
        a.Tag != b.Tag ? a.Tag.CompareTo(b.Tag) : b.Arrival.CompareTo(a.Arrival)));
    private readonly Dictionary<string, long> _lastTag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _queuedBy = new(StringComparer.Ordinal);
    private long _virtual;
    private long _arrivals;
    private int _inFlight;

    /// <summary>A slot (dispose to free it), or null when the queue is full or the wait ran out.</summary>
    public async Task<IDisposable?> TryAcquireAsync(string user, TimeSpan wait, Action onQueued, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_inFlight < capacity && _queue.Count == 0)
            {
                _inFlight++;
                return new Slot(this);
            }

            if (_queue.Count >= maxQueue || _queuedBy.GetValueOrDefault(user) >= maxPerUser)
            {
                return null;
            }

            var tag = Math.Max(_virtual, _lastTag.GetValueOrDefault(user)) + 1;
            _lastTag[user] = tag;
            waiter = new Waiter(user, tag, ++_arrivals);
            _queue.Add(waiter);
            _queuedBy[user] = _queuedBy.GetValueOrDefault(user) + 1;
        }

        onQueued();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        using (timeout.Token.Register(() => Abandon(waiter)))
        {
            if (!await waiter.Granted.Task)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return null;
            }

            var slot = new Slot(this);
            if (cancellationToken.IsCancellationRequested)
            {
                // Granted as the caller left: the slot goes straight on to the next.
                slot.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return slot;
        }
    }

    /// <summary>A waiter that gave up leaves the queue; if it was granted a slot meanwhile, the slot goes to the next.</summary>
    private void Abandon(Waiter waiter)
    {
        lock (_lock)
        {
            if (_queue.Remove(waiter))
            {
                Dequeued(waiter);
                waiter.Granted.TrySetResult(false);
            }
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            _inFlight--;
            while (_inFlight < capacity && _queue.Min is { } next)
            {
                _queue.Remove(next);
                Dequeued(next);
                _inFlight++;
                _virtual = Math.Max(_virtual, next.Tag);
                next.Granted.TrySetResult(true);
            }

            if (_queue.Count == 0)
            {
                // Nobody waits: every user starts level again (and the tags of users gone do not pile up).
                _lastTag.Clear();
            }
        }
    }

    /// <summary>A waiter left the queue (served or gone): its user holds one fewer place (under the lock).</summary>
    private void Dequeued(Waiter waiter)
    {
        var left = _queuedBy[waiter.User] - 1;
        if (left == 0)
        {
            _queuedBy.Remove(waiter.User);
        }
        else
        {
            _queuedBy[waiter.User] = left;
        }
    }

    private sealed class Waiter(string user, long tag, long arrival)
    {
        public string User { get; } = user;

        public long Tag { get; } = tag;

        public long Arrival { get; } = arrival;

        public TaskCompletionSource<bool> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Slot(LocalFairQueue owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
