using Api.Replies;

namespace Api.Chat;

/// <summary>
/// Starts an admitted turn's reply (<see cref="ReplyRuns"/>) and writes it to this response, as Server-Sent Events or,
/// with <c>stream=false</c>, as one JSON reply. The reply is generated apart from the response: if this client leaves,
/// another request may resume it (<c>GET /api/conversations/{id}/reply</c>).
/// </summary>
public sealed class ChatReplyResult(ReplyRuns runs, ChatReply reply, bool stream) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var run = runs.Begin(reply);
        if (stream)
        {
            await ReplyStreamWriter.WriteAsync(httpContext, ReplyStreamWriter.Follow(run, 0), plainErrorBeforeStart: true);
        }
        else
        {
            await ReplyStreamWriter.WriteJsonAsync(httpContext, ReplyStreamWriter.Follow(run, 0));
        }
    }
}

/// <summary>A chat turn as a reply the reply runs can generate apart from any request.</summary>
public sealed class ChatReply(PreparedTurn turn, TurnStreamer streamer) : IReplySource
{
    public string User => turn.User.PartitionKey;

    public string ConversationId => turn.Conversation.Id;

    public string? StopReason
    {
        get => turn.StopReason;
        set => turn.StopReason = value;
    }

    public IAsyncEnumerable<Streaming.ChatEvent> StreamAsync(CancellationToken cancellation) => streamer.StreamAsync(turn, cancellation);
}
