using System.Runtime.CompilerServices;
using Api.Streaming;
using Api.Infrastructure;

namespace Api.Replies;

/// <summary>
/// Follows a reply another replica generates, through its log in the store: the events after the one asked for,
/// then each new one as it is written, until the last. It says it is reading (so the reply is not taken for abandoned),
/// and ends with <c>reply_lost</c> if the replica generating it stops saying it is alive before the last event.
/// </summary>
public static class ReplyLogReader
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MarkEvery = TimeSpan.FromSeconds(2);

    public static async IAsyncEnumerable<ReplyItem> ReadAsync(ReplyLogStore logs, string replyId, int from, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = Math.Max(0, from);
        var marked = long.MinValue;
        var checkedAlive = false;
        // A client that saw the last event already has the whole reply.
        if (next > 0 && await logs.ReadOneAsync(replyId, next - 1) is { HasValue: true } seen
            && ReplyEntries.TrySplit((byte[])seen!, out var seenName, out _) && ReplyEntries.IsLast(seenName.Span))
        {
            yield break;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            if (marked == long.MinValue || time.GetElapsedTime(marked) >= MarkEvery)
            {
                marked = time.GetTimestamp();
                await logs.MarkReadingAsync(replyId);
            }

            var entries = await logs.ReadAsync(replyId, next);
            foreach (var entry in entries)
            {
                var bytes = (ReadOnlyMemory<byte>)(byte[])entry!;
                yield return new ReplyItem(new ReplyEventId(replyId, next++), null, bytes);
                if (ReplyEntries.TrySplit(bytes, out var name, out _) && ReplyEntries.IsLast(name.Span))
                {
                    yield break;
                }
            }

            if (entries.Length > 0)
            {
                checkedAlive = false;
                continue;
            }

            if (!await logs.IsAliveAsync(replyId))
            {
                // Its end may have been written just before the liveness key went: read once more before calling it lost.
                if (checkedAlive)
                {
                    yield return new ReplyItem(new ReplyEventId(replyId, next), Lost(), default);
                    yield break;
                }

                checkedAlive = true;
                continue;
            }

            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    public static ChatEvent Lost() => new ChatEvent.Error(
        Errors.ApiError.Of(Errors.ErrorCodes.ReplyLost, "The server generating this reply stopped before its end; the conversation keeps what was saved."));
}
