using System.Runtime.CompilerServices;
using Api.Streaming;

namespace Api.Chat;

/// <summary>
/// Streams an admitted turn: the model's tokens through the leak guard, as <see cref="ChatEvent"/>s for the SSE writer,
/// until the model finishes, fails, the client leaves, a leak is caught, or the shutdown drain runs out; then
/// <see cref="TurnCompletion"/> writes the turn and says how the stream ends. Disposing the turn then settles its usage.
/// </summary>
public sealed class TurnStreamer(TurnCompletion completion)
{
    /// <summary>
    /// Streams the reply. When the reply is cancelled the upstream call ends and the partial reply is kept as
    /// <c>incomplete</c>; a broken stream keeps it too and ends with an <c>error</c> event; a leak ends it at once.
    /// The turn is saved whichever way it ends, including when the caller stops reading (the client hung up).
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> StreamAsync(PreparedTurn turn, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var finished = false;
        try
        {
            await foreach (var text in turn.Run.StreamAsync(cancellation))
            {
                yield return new ChatEvent.Delta(text);
            }

            finished = true;
            if (await completion.CompleteAsync(turn, cancellation) is { } last)
            {
                yield return last;
            }
        }
        finally
        {
            if (!finished)
            {
                // The caller stopped reading: the client is gone. Save what was sent.
                turn.Run.Outcome.Cancelled = true;
                await completion.CompleteAsync(turn, CancellationToken.None);
            }

            await turn.DisposeAsync();
        }
    }
}
