using System.Text.Json;
using System.Threading.Channels;
using Api.Streaming;
using Api.Shared;
using StackExchange.Redis;

namespace Api.Replies;

/// <summary>
/// Copies a reply's events to its log in the shared store, in order, batched: whatever has arrived since the last
/// write goes in one command, so a fast reply costs a few round trips, not one per token. If the store fails, the
/// mirror stops (the reply streams on, resumable on this replica only) and says so.
/// </summary>
internal sealed class ReplyMirror(ReplyLogStore logs, ReplyRun run, JsonSerializerOptions json, ILogger logger)
{
    private readonly Channel<ChatEvent> _pending = Channel.CreateUnbounded<ChatEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private Task _pump = Task.CompletedTask;

    /// <summary>
    /// Starts copying: the pump registers the reply (owner, liveness, the conversation's pointer) before its first
    /// write, so the first token does not wait for the store. If that fails, the reply is not mirrored.
    /// </summary>
    public void Start() => _pump = PumpAsync();

    public void Add(ChatEvent item) => _pending.Writer.TryWrite(item);

    /// <summary>Waits for the last events to be written, then ends the log (it lapses after the retention).</summary>
    public async Task EndAsync()
    {
        _pending.Writer.TryComplete();
        await _pump;
        if (!run.Mirrored)
        {
            return;
        }

        try
        {
            await logs.EndAsync(run.Id, run.User, run.ConversationId);
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            logs.Store.Failed(ex, "ending a reply's log");
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await logs.BeginAsync(run.Id, run.User, run.ConversationId);
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            run.Mirrored = false;
            logs.Store.Failed(ex, "starting a reply's log");
        }

        var batch = new List<RedisValue>();
        var first = true;
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (_pending.Reader.TryRead(out var item))
            {
                batch.Add(ReplyEntries.Encode(item, json));
            }

            if (!run.Mirrored)
            {
                continue;
            }

            try
            {
                await logs.AppendAsync(run.Id, [.. batch], first);
                first = false;
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                // A gap would break every resume after it: the log stops here, and resuming from another replica fails cleanly.
                run.Mirrored = false;
                logs.Store.Failed(ex, "writing a reply's log");
                logger.LogWarning("The reply {ReplyId} is no longer resumable from other replicas: its log could not be written.", run.Id);
            }
        }
    }
}
