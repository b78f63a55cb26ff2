using Api.Shared;

namespace Api.Llm;

/// <summary>
/// The in-flight limit of one backend. With the shared store it holds for every API replica together: the backend's
/// capacity (<c>SlotsPerServer</c> × its model servers) in flight, then a queue of <c>MaxQueue</c>, fair across users,
/// that waits at most <c>QueueTimeout</c> (<see cref="SharedAdmission"/>). Without the store, or while it is away, each
/// replica admits its share on its own (<c>SlotsPerServer</c> × servers ÷ <c>ApiReplicas</c>), fairly too
/// (<see cref="LocalFairQueue"/>). This
/// replica's counts are the autoscaling signal (<c>llm.requests.in_flight</c>, <c>llm.requests.queued</c>): summed over
/// the replicas they are the backend's true totals, since Ollama exports no metrics of its own.
/// </summary>
public sealed class LlmAdmission : IAsyncDisposable
{
    private readonly LlmAdmissionOptions _options;
    private readonly ModelServerCount _servers;
    private readonly SharedStore? _store;
    private readonly SharedAdmission? _shared;
    private readonly LocalFairQueue _local;
    private readonly int[] _inFlight = new int[Routes.Count];
    private readonly int[] _queued = new int[Routes.Count];

    /// <summary>The routes the gauges tell apart (<c>route</c> tag): every route's requests share the backend's capacity.</summary>
    public static readonly IReadOnlyList<string> Routes = [LlmMetricNames.ChatRoute, LlmMetricNames.OpenAiRoute, LlmMetricNames.EmbeddingsRoute];

    /// <summary>How long a slot is held, on average (exponentially weighted); 0 until one was given back.</summary>
    private double _averageHoldSeconds;

    public LlmAdmission(string backend, LlmAdmissionOptions options, ModelServerCount servers, SharedStore? store = null)
    {
        _options = options;
        _servers = servers;
        _store = store is { Configured: true } ? store : null;
        _shared = _store is null ? null : new SharedAdmission(_store, backend, options.MaxQueuedPerUser);
        _local = new LocalFairQueue(LocalCapacity, Math.Max(0, options.MaxQueue / Math.Max(1, options.ApiReplicas)),
            Math.Max(1, options.MaxQueuedPerUser / Math.Max(1, options.ApiReplicas)));
    }

    /// <summary>Replies this replica has running on the backend.</summary>
    public int InFlight => Routes.Select(InFlightOn).Sum();

    /// <summary>Requests this replica has waiting for the backend.</summary>
    public int Queued => Routes.Select(QueuedOn).Sum();

    public int InFlightOn(string route) => Volatile.Read(ref _inFlight[RouteIndex(route)]);

    public int QueuedOn(string route) => Volatile.Read(ref _queued[RouteIndex(route)]);

    private static int RouteIndex(string route) => route switch
    {
        LlmMetricNames.OpenAiRoute => 1,
        LlmMetricNames.EmbeddingsRoute => 2,
        _ => 0,
    };

    /// <summary>
    /// The backend's queue now, for the picker: slots held and requests waiting on every replica (this replica's own while
    /// the store is away), its capacity, and the wait a request made now may expect: none while a slot is free, else the
    /// queue ahead of it in rounds of the capacity, each as long as a slot is held on average.
    /// </summary>
    public async Task<AdmissionSnapshot> SnapshotAsync()
    {
        var (inFlight, queued) = (InFlight, Queued);
        if (SharedNow is { } shared)
        {
            try
            {
                (inFlight, queued) = await shared.CountsAsync();
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                _store!.Failed(ex, "reading a model's queue");
            }
        }

        var capacity = Math.Max(1, Capacity);
        var hold = Volatile.Read(ref _averageHoldSeconds);
        double? wait = inFlight < capacity && queued == 0 ? 0 : hold > 0 ? Math.Ceiling((queued + 1.0) / capacity) * hold : null;
        return new AdmissionSnapshot(inFlight, queued, capacity, wait);
    }

    /// <summary>What the backend runs at once: its slots per server × its servers.</summary>
    public int Capacity => _options.SlotsPerServer * _servers.Current;

    /// <summary>How many replies one model server runs at once: a reply's share of its server.</summary>
    public int SlotsPerServer => _options.SlotsPerServer;

    /// <summary>This replica's share while it admits on its own.</summary>
    public int LocalCapacity => Math.Max(1, _options.SlotsPerServer * _servers.Current / Math.Max(1, _options.ApiReplicas));

    /// <summary>A slot for <paramref name="user"/>, or <c>null</c> when the backend is full (queue included) or the queue wait ran out.</summary>
    public async Task<IDisposable?> TryAcquireAsync(string user, CancellationToken cancellationToken, string route = LlmMetricNames.ChatRoute)
    {
        var index = RouteIndex(route);
        if (_shared is not null && _store!.Usable)
        {
            var wasQueued = 0;
            try
            {
                var (result, ticket) = await _shared.TryAcquireAsync(user, Capacity, _options.MaxQueue, _options.QueueTimeout,
                    () => { wasQueued = 1; Interlocked.Increment(ref _queued[index]); }, cancellationToken);
                return result == AdmissionResult.Admitted ? Hold(index, () => _shared.Release(ticket!)) : null;
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                _store.Failed(ex, "admitting a model request");
            }
            finally
            {
                if (wasQueued == 1)
                {
                    Interlocked.Decrement(ref _queued[index]);
                }
            }
        }

        return await TryAcquireLocallyAsync(user, index, cancellationToken);
    }

    /// <summary>The shared admission while the store is usable: another script may take its first step (<c>model-admit.lua</c>).</summary>
    public SharedAdmission? SharedNow => _shared is not null && _store!.Usable ? _shared : null;

    /// <summary>The script's arguments for a new ticket of <paramref name="user"/> on this backend, and the ticket.</summary>
    public (string Ticket, StackExchange.Redis.RedisValue[] Arguments) SharedArguments(string user)
    {
        var ticket = _shared!.NewTicket(user);
        return (ticket, _shared.Arguments(Capacity, _options.MaxQueue, ticket, user));
    }

    /// <summary>A slot another script took for <paramref name="ticket"/>: held, counted and freed like this admission's own.</summary>
    public IDisposable Adopt(string ticket, string route)
    {
        _shared!.Hold(ticket);
        return Hold(RouteIndex(route), () => _shared.Release(ticket));
    }

    /// <summary>Waits for a slot for <paramref name="ticket"/>, which another script put in the queue; null when the wait runs out.</summary>
    public async Task<IDisposable?> WaitQueuedAsync(string ticket, string user, string route, CancellationToken cancellationToken)
    {
        var index = RouteIndex(route);
        var wasQueued = 0;
        try
        {
            var (result, _) = await _shared!.WaitAsync(ticket, user, Capacity, _options.MaxQueue, _options.QueueTimeout,
                () => { wasQueued = 1; Interlocked.Increment(ref _queued[index]); }, queued: true, cancellationToken);
            return result == AdmissionResult.Admitted ? Hold(index, () => _shared.Release(ticket)) : null;
        }
        finally
        {
            if (wasQueued == 1)
            {
                Interlocked.Decrement(ref _queued[index]);
            }
        }
    }

    private async Task<IDisposable?> TryAcquireLocallyAsync(string user, int index, CancellationToken cancellationToken)
    {
        var queued = 0;
        try
        {
            var slot = await _local.TryAcquireAsync(user, _options.QueueTimeout, () => { queued = 1; Interlocked.Increment(ref _queued[index]); }, cancellationToken);
            return slot is null ? null : Hold(index, slot.Dispose);
        }
        finally
        {
            if (queued == 1)
            {
                Interlocked.Decrement(ref _queued[index]);
            }
        }
    }

    private Slot Hold(int index, Action release)
    {
        Interlocked.Increment(ref _inFlight[index]);
        return new Slot(this, index, release, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private void Held(long since)
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalSeconds;
        var current = Volatile.Read(ref _averageHoldSeconds);
        // A lost update between two releases only weighs one sample less.
        Volatile.Write(ref _averageHoldSeconds, current == 0 ? seconds : (current * 0.8) + (seconds * 0.2));
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }

    }

    /// <summary>A held slot: disposing it frees it, once.</summary>
    private sealed class Slot(LlmAdmission owner, int index, Action release, long since) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._inFlight[index]);
                owner.Held(since);
                release();
            }
        }
    }
}
