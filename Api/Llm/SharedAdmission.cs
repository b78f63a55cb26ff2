using Api.Shared;
using StackExchange.Redis;

namespace Api.Llm;

/// <summary>
/// Admission to one backend counted in the shared store, for every API replica together: at most the backend's
/// capacity in flight, and a queue served fairly across users (<c>Scripts/admission-acquire.lua</c>). A waiting ticket
/// asks again when a slot is freed anywhere (a message on the backend's channel) or after a short poll. Held slots are
/// leases this replica renews; a replica that dies frees its slots when their leases lapse.
/// </summary>
public sealed class SharedAdmission : IAsyncDisposable
{
    private static readonly string Acquire = StoreScripts.Load("admission-acquire.lua");

    /// <summary>A held slot's lease: renewed well before it lapses, so only a dead replica's slots lapse.</summary>
    public static readonly TimeSpan SlotLease = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WaitingLease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan KeysLive = TimeSpan.FromHours(1);

    private readonly SharedStore _store;
    private readonly int _maxQueuedPerUser;
    private readonly RedisKey[] _keys;
    private readonly RedisChannel _freed;
    private readonly Dictionary<string, bool> _held = [];
    private readonly Lock _heldLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewals;
    private TaskCompletionSource _slotFreed = NewSignal();
    private int _subscribed;

    public SharedAdmission(SharedStore store, string backend, int maxQueuedPerUser = int.MaxValue)
    {
        _store = store;
        _maxQueuedPerUser = maxQueuedPerUser;
        var prefix = $"llmchat:admission:{backend}:";
        _keys = [prefix + "slots", prefix + "queue", prefix + "waiting", prefix + "tags", prefix + "virtual"];
        _freed = RedisChannel.Literal(prefix + "freed");
        _renewals = RenewAsync(_stop.Token);
    }

    /// <summary>
    /// Takes a slot for <paramref name="user"/>: <see cref="AdmissionResult.Admitted"/> with its ticket, or
    /// <see cref="AdmissionResult.Full"/> when the queue is full or the wait ran out. Store failures throw (the caller
    /// falls back to its own replica's limit).
    /// </summary>
    public Task<(AdmissionResult Result, string? Ticket)> TryAcquireAsync(string user, int capacity, int maxQueue, TimeSpan queueTimeout, Action onQueued, CancellationToken cancellationToken) =>
        WaitAsync(NewTicket(user), user, capacity, maxQueue, queueTimeout, onQueued, queued: false, cancellationToken);

    /// <summary>The slots held and the tickets queued on the backend by every replica now (two reads of the store).</summary>
    public async Task<(int InFlight, int Queued)> CountsAsync()
    {
        var database = _store.Database;
        var slots = database.SortedSetLengthAsync(_keys[0]);
        var queue = database.SortedSetLengthAsync(_keys[1]);
        return ((int)await slots, (int)await queue);
    }

    /// <summary>The backend's admission keys, in the order <c>Scripts/admission-admit.lua</c> takes them.</summary>
    public IReadOnlyList<RedisKey> Keys => _keys;

    /// <summary>The script's arguments after the time, for <paramref name="ticket"/> of <paramref name="user"/>: slot lease, capacity, queue limit, ticket, user, waiting lease, keys' life, the user's share of the queue.</summary>
    public RedisValue[] Arguments(int capacity, int maxQueue, string ticket, string user) =>
        [(long)SlotLease.TotalMilliseconds, capacity, maxQueue, ticket, user, (long)WaitingLease.TotalMilliseconds, (long)KeysLive.TotalMilliseconds, _maxQueuedPerUser];

    /// <summary>
    /// A new ticket. Equal tags belong to different users (one ticket per user per tag): the queue orders them by
    /// member, and a ticket named by the time left until the end of time sorts the latest arrival first. So a user's
    /// first request goes ahead of another user's ticket of the same tag (queued before it arrived), and is served at
    /// the next free slot; each round of tags is still served whole before the next, so nobody starves.
    /// </summary>
    public string NewTicket(string user) => $"{long.MaxValue - _store.Time.GetUtcNow().ToUnixTimeMilliseconds():D19}:{UserMark(user)}:{Guid.NewGuid():N}";

    /// <summary>
    /// Whose a ticket is, as the script counts a user's queued tickets: 12 hex digits of the SHA-256 of the user's key
    /// (a key may hold any character; the mark holds none the ticket's separator could be confused with).
    /// </summary>
    public static string UserMark(string user) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(user)))[..12];

    /// <summary>A ticket another script admitted (<c>model-admit.lua</c>): held, renewed and freed like this one's own.</summary>
    public void Hold(string ticket)
    {
        EnsureSubscribed();
        lock (_heldLock)
        {
            _held[ticket] = true;
        }
    }

    /// <summary>
    /// Asks for a slot for <paramref name="ticket"/> until it holds one, the queue is full, or the wait runs out;
    /// <paramref name="queued"/>: the ticket already waits in the queue (another script put it there).
    /// </summary>
    public async Task<(AdmissionResult Result, string? Ticket)> WaitAsync(string ticket, string user, int capacity, int maxQueue, TimeSpan queueTimeout, Action onQueued, bool queued, CancellationToken cancellationToken)
    {
        EnsureSubscribed();
        var started = _store.Time.GetTimestamp();
        if (queued)
        {
            onQueued();
        }

        // A ticket another script queued waits for a freed slot (or the poll) before it asks again.
        var signal = queued ? Volatile.Read(ref _slotFreed) : null;
        try
        {
            while (true)
            {
                if (signal is not null)
                {
                    var left = queueTimeout - _store.Time.GetElapsedTime(started);
                    if (left <= TimeSpan.Zero)
                    {
                        return (AdmissionResult.Full, null);
                    }

                    await Task.WhenAny(signal.Task, Task.Delay(left < Poll ? left : Poll, _store.Time, cancellationToken));
                    cancellationToken.ThrowIfCancellationRequested();
                }

                signal = Volatile.Read(ref _slotFreed);
                var answer = (long)await _store.Database.ScriptEvaluateAsync(Acquire, [.. _keys],
                    [_store.Time.GetUtcNow().ToUnixTimeMilliseconds(), .. Arguments(capacity, maxQueue, ticket, user)]);
                if (answer == 1)
                {
                    Hold(ticket);
                    queued = false;
                    return (AdmissionResult.Admitted, ticket);
                }

                if (answer < 0)
                {
                    return (AdmissionResult.Full, null);
                }

                if (!queued)
                {
                    queued = true;
                    onQueued();
                }
            }
        }
        finally
        {
            if (queued)
            {
                // Gave up waiting (timeout, cancellation, a failure): the ticket leaves the queue now, not when it lapses.
                _ = Forget(ticket);
            }
        }
    }

    /// <summary>Frees a held slot and tells every replica's waiters.</summary>
    public void Release(string ticket)
    {
        lock (_heldLock)
        {
            _held.Remove(ticket);
        }

        _ = ReleaseAsync(ticket);
    }

    private async Task ReleaseAsync(string ticket)
    {
        try
        {
            await _store.Database.SortedSetRemoveAsync(_keys[0], ticket);
            await _store.Connection.GetSubscriber().PublishAsync(_freed, ticket);
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            // The slot's lease lapses by itself.
            _store.Failed(ex, "freeing a model slot");
        }
    }

    private async Task Forget(string ticket)
    {
        try
        {
            var db = _store.Database;
            await Task.WhenAll(db.SortedSetRemoveAsync(_keys[1], ticket), db.SortedSetRemoveAsync(_keys[2], ticket));
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            // The waiting lease lapses by itself.
        }
    }

    private void EnsureSubscribed()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            return;
        }

        try
        {
            _store.Connection.GetSubscriber().Subscribe(_freed, (_, _) => Interlocked.Exchange(ref _slotFreed, NewSignal()).TrySetResult(), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            // Waiters poll meanwhile; the next acquisition subscribes again.
            Volatile.Write(ref _subscribed, 0);
        }
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(RenewEvery, _store.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                SortedSetEntry[] held;
                var until = _store.Time.GetUtcNow().Add(SlotLease).ToUnixTimeMilliseconds();
                lock (_heldLock)
                {
                    held = [.. _held.Keys.Select(t => new SortedSetEntry(t, until))];
                }

                if (held.Length == 0)
                {
                    continue;
                }

                try
                {
                    await _store.Database.SortedSetAddAsync(_keys[0], held, SortedSetWhen.Exists);
                }
                catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
                {
                    _store.Failed(ex, "renewing model slots");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewals;
        _stop.Dispose();
    }
}

/// <summary>How an admission attempt ended.</summary>
public enum AdmissionResult
{
    Admitted,
    Full,
}
