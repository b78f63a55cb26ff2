using Api.Replies;

namespace Api.Chat;

/// <summary>
/// Starts an admitted turn's reply (<see cref="ReplyRuns"/>) and writes it to this response, as Server-Sent Events or,
/// with <c>stream=false</c>, as one JSON reply. The reply is generated apart from the response: if this client leaves,
/// another request may resume it (<c>GET /api/conversations/{id}/reply</c>).
/// </summary>
public sealed class ChatReplyResult(ReplyRuns runs, PreparedTurn turn, bool stream) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var run = runs.Begin(turn);
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
