using System.Threading.Channels;
using Api.Streaming;

namespace Api.Replies;

/// <summary>
/// One reply being generated, apart from any HTTP response: its events in order, the readers following them (each
/// from the event it asks for), and the cancellation that stops the model call (the cancel route, or nobody reading).
/// </summary>
public sealed class ReplyRun : IDisposable
{
    private readonly List<ChatEvent> _events = [];
    private readonly List<Channel<ReplyItem>> _readers = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private long _unreadSince;
    private bool _complete;

    public ReplyRun(string id, IReplySource source, TimeProvider time)
    {
        Id = id;
        Source = source;
        _time = time;
        _unreadSince = time.GetTimestamp();
    }

    public string Id { get; }

    public IReplySource Source { get; }

    public string User => Source.User;

    public string ConversationId => Source.ConversationId;

    /// <summary>Fires when the reply must stop: cancelled by its user, or abandoned.</summary>
    public CancellationToken Cancellation => _cancel.Token;

    /// <summary>Completes when the reply has ended and its last event is in the log.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Whether its events are also in the shared store (resumable from any replica).</summary>
    public bool Mirrored { get; set; }

    /// <summary>How long nobody on this replica has been reading it (zero while someone is).</summary>
    public TimeSpan UnreadFor
    {
        get
        {
            lock (_lock)
            {
                return _readers.Count > 0 ? TimeSpan.Zero : _time.GetElapsedTime(_unreadSince);
            }
        }
    }

    /// <summary>Adds the next event and hands it to every reader.</summary>
    public void Append(ChatEvent item)
    {
        lock (_lock)
        {
            var id = new ReplyEventId(Id, _events.Count);
            _events.Add(item);
            foreach (var reader in _readers)
            {
                reader.Writer.TryWrite(new ReplyItem(id, item, default));
            }
        }
    }

    /// <summary>No more events: every reader ends after the last one.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _complete = true;
            foreach (var reader in _readers)
            {
                reader.Writer.TryComplete();
            }
        }

        _ended.TrySetResult();
    }

    /// <summary>A reader from event <paramref name="from"/> on: the events so far, then each new one as it comes.</summary>
    public ReplyReader Read(int from)
    {
        var channel = Channel.CreateUnbounded<ReplyItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_lock)
        {
            for (var i = Math.Max(0, from); i < _events.Count; i++)
            {
                channel.Writer.TryWrite(new ReplyItem(new ReplyEventId(Id, i), _events[i], default));
            }

            if (_complete)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _readers.Add(channel);
            }
        }

        return new ReplyReader(channel.Reader, () => Leave(channel));
    }

    /// <summary>Stops the reply, saying why (kept with its partial text); false when it had already ended.</summary>
    public bool Cancel(string reason)
    {
        if (_ended.Task.IsCompleted)
        {
            return false;
        }

        Source.StopReason ??= reason;
        _cancel.Cancel();
        return true;
    }

    private void Leave(Channel<ReplyItem> channel)
    {
        lock (_lock)
        {
            if (_readers.Remove(channel) && _readers.Count == 0)
            {
                _unreadSince = _time.GetTimestamp();
            }
        }
    }

    public void Dispose() => _cancel.Dispose();
}

/// <summary>A reader's view of a reply on this replica: disposing it stops following (the reply goes on).</summary>
public sealed class ReplyReader(ChannelReader<ReplyItem> items, Action leave) : IDisposable
{
    public ChannelReader<ReplyItem> Items { get; } = items;

    public void Dispose() => leave();
}
