using System.Threading.Channels;
using Api.Conversations;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>A finished turn the store could not take yet, and when it was set aside.</summary>
public sealed record PendingTurn(string UserKey, Conversation Conversation, TurnWrite Write, DateTimeOffset DeferredAt);

/// <summary>
/// Turns whose reply the user saw but the store could not take (it was unreachable): kept in this process's memory,
/// in order, and written by <see cref="TurnOutboxWriter"/> when the store answers again. Bounded: when it is full a
/// turn is refused and the caller says so. Durable enough, not durable: a turn still here when the process stops is
/// lost (the loss window is the store's outage, at most <see cref="TurnPersistenceOptions.OutboxMaxAge"/>).
/// </summary>
public sealed class TurnOutbox(IOptions<TurnPersistenceOptions> options)
{
    private readonly Channel<PendingTurn> _channel = Channel.CreateBounded<PendingTurn>(new BoundedChannelOptions(Math.Max(1, options.Value.OutboxCapacity))
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private int _pending;

    /// <summary>Turns waiting to be written.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public bool TryDefer(PendingTurn turn)
    {
        if (options.Value.OutboxCapacity == 0 || !_channel.Writer.TryWrite(turn))
        {
            return false;
        }

        Interlocked.Increment(ref _pending);
        return true;
    }

    internal IAsyncEnumerable<PendingTurn> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);

    internal void Done() => Interlocked.Decrement(ref _pending);
}
