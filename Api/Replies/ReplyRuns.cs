using System.Collections.Concurrent;
using Api.Streaming;
using Api.Shared;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Api.Replies;

/// <summary>
/// Runs replies apart from the requests that asked for them. A reply is generated to its end whoever reads it: its
/// first reader may leave and another (on any replica, with the shared store) take it up from the event it last saw.
/// Nobody reading it for <see cref="ReplyOptions.AbandonAfter"/> cancels it; so does its cancel route, on whichever
/// replica it arrives (a message on the store's channel reaches the one that runs it). On shutdown the host waits for
/// the replies to end (the drain ends them in time).
/// </summary>
public sealed class ReplyRuns(
    ReplyLogStore logs,
    SharedStore store,
    IOptions<ReplyOptions> options,
    IOptions<JsonOptions> json,
    TimeProvider time,
    ILogger<ReplyRuns> logger) : IHostedService, Conversations.IConversationDeletedListener
{
    private static readonly TimeSpan WatchEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, ReplyRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string User, string Conversation), ReplyRun> _active = new();

    /// <summary>Starts generating a reply; its events are read with <see cref="ReplyRun.Read"/>.</summary>
    public ReplyRun Begin(IReplySource source)
    {
        var run = new ReplyRun(ReplyIds.New(), source, time);
        var mirror = store.Usable ? new ReplyMirror(logs, run, json.Value.SerializerOptions, logger) : null;
        run.Mirrored = mirror is not null;
        mirror?.Start();
        _runs[run.Id] = run;
        _active[(run.User, run.ConversationId)] = run;
        _ = Task.Run(() => GenerateAsync(run, mirror));
        return run;
    }

    /// <summary>A reply running (or lately ended) on this replica.</summary>
    public ReplyRun? Find(string replyId) => _runs.GetValueOrDefault(replyId);

    /// <summary>The conversation's reply running on this replica, if any.</summary>
    public ReplyRun? FindActive(string user, string conversationId) =>
        _active.TryGetValue((user, conversationId), out var run) && !run.Ended.IsCompleted ? run : null;

    private async Task GenerateAsync(ReplyRun run, ReplyMirror? mirror)
    {
        // Disposing the timer ends the watch without an exception (a cancelled wait would cost one per reply).
        var ticks = new PeriodicTimer(WatchEvery, time);
        var watch = WatchAsync(run, ticks);
        try
        {
            await foreach (var item in run.Source.StreamAsync(run.Cancellation))
            {
                run.Append(item);
                mirror?.Add(item);
            }
        }
        catch (Exception ex)
        {
            // The streamer ends every reply with an event of its own; reaching here is a bug, and the reply still ends.
            logger.LogError(ex, "The reply {ReplyId} failed outside its stream.", run.Id);
        }
        finally
        {
            ticks.Dispose();
            await watch;
            if (mirror is not null)
            {
                await mirror.EndAsync();
            }

            run.Complete();
            _active.TryRemove(new KeyValuePair<(string, string), ReplyRun>((run.User, run.ConversationId), run));
            // Kept a little longer, for a reader reconnecting to this replica right at the end.
            _ = Task.Delay(options.Value.Retention, time).ContinueWith(_ => Forget(run), TaskScheduler.Default);
        }
    }

    /// <summary>Cancels the reply once nobody has read it for the allowance; keeps its log's liveness key fresh.</summary>
    private async Task WatchAsync(ReplyRun run, PeriodicTimer ticks)
    {
        var sinceKeepAlive = time.GetTimestamp();
        try
        {
            while (await ticks.WaitForNextTickAsync())
            {
                if (run.Mirrored && time.GetElapsedTime(sinceKeepAlive) >= KeepAliveEvery)
                {
                    sinceKeepAlive = time.GetTimestamp();
                    await TryStore(() => logs.KeepAliveAsync(run.Id), "renewing a reply's liveness");
                }

                var unread = run.UnreadFor;
                if (unread < options.Value.AbandonAfter)
                {
                    continue;
                }

                // Nobody here reads it: perhaps a reader on another replica does.
                if (run.Mirrored && store.Usable && await TryStore(() => logs.HasReadersAsync(run.Id), "looking for a reply's readers"))
                {
                    continue;
                }

                logger.LogInformation("The reply {ReplyId} has had no reader for {Unread}: it is cancelled.", run.Id, unread);
                run.Cancel(StopReasons.Abandoned);
                return;
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Cancels the conversation's reply, wherever it runs; the reply's id, or null when none is running.</summary>
    public async Task<string?> CancelAsync(string user, string conversationId, string reason = StopReasons.Stopped)
    {
        if (FindActive(user, conversationId) is { } local)
        {
            local.Cancel(reason);
            return local.Id;
        }

        if (!store.Usable)
        {
            return null;
        }

        var remote = await logs.ActiveAsync(user, conversationId);
        if (remote is null)
        {
            return null;
        }

        await logs.PublishCancelAsync(remote);
        return remote;
    }

    /// <summary>A conversation is being deleted: its reply, wherever it runs, stops (its usage is still settled).</summary>
    public Task DeletingAsync(string userKey, string conversationId) => CancelAsync(userKey, conversationId, StopReasons.Deleted);

    private async Task<bool> TryStore(Func<Task<bool>> call, string what)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
        {
            store.Failed(ex, what);
            return false;
        }
    }

    private Task<bool> TryStore(Func<Task> call, string what) => TryStore(async () => { await call(); return true; }, what);

    private void Forget(ReplyRun run)
    {
        if (_runs.TryRemove(new KeyValuePair<string, ReplyRun>(run.Id, run)))
        {
            run.Dispose();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.Configured)
        {
            _ = SubscribeAsync();
        }

        return Task.CompletedTask;
    }

    /// <summary>Listens for cancellations; while the store is away, tries again every few seconds (the client library
    /// then restores the subscription by itself whenever the connection comes back).</summary>
    private async Task SubscribeAsync()
    {
        while (true)
        {
            try
            {
                await logs.SubscribeCancelsAsync(id => Find(id)?.Cancel(StopReasons.Stopped));
                return;
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "listening for cancellations");
                await Task.Delay(SharedStore.RetryAfterFailure, time);
            }
        }
    }

    /// <summary>Waits for the replies to end: the shutdown drain stops them in time, and each is saved.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = _runs.Values.Select(r => r.Ended).ToArray();
        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

/// <summary>Why a reply was stopped before its end, as its saved message says.</summary>
public static class StopReasons
{
    public const string Stopped = "Stopped by the user.";

    public const string Abandoned = "Nobody was reading the reply.";

    public const string Deleted = "The conversation was deleted.";
}
