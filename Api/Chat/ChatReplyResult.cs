using System.Text.Json;
using Api.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// Runs a prepared turn and writes it as Server-Sent Events, or collects it into one JSON reply. An error before
/// the stream has started is a plain ProblemDetails response with its status; after, it is an <c>error</c> event.
/// </summary>
public sealed class ChatReplyResult(TurnStreamer turns, PreparedTurn turn, bool stream) : IResult
{
    private static readonly ReadOnlyMemory<byte> DeltaName = "delta"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> DoneName = "done"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> ErrorName = "error"u8.ToArray();

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var streaming = httpContext.RequestServices.GetRequiredService<IOptions<ChatStreamOptions>>().Value;
        // Frees the slots even if the stream is never enumerated (the response failed to start).
        httpContext.Response.RegisterForDispose(turn);
        var aborted = httpContext.RequestAborted;

        if (!stream)
        {
            await WriteJsonReplyAsync(httpContext, json, aborted);
            return;
        }

        await using var sse = new SseWriter(httpContext.Response, streaming.StartDelay, streaming.HeartbeatInterval, aborted);
        try
        {
            await foreach (var item in turns.StreamAsync(turn, aborted))
            {
                switch (item)
                {
                    case ChatEvent.Delta delta:
                        await sse.WriteEventAsync(DeltaName, new DeltaEvent(delta.Text), json, aborted);
                        break;
                    case ChatEvent.Done done:
                        await sse.WriteEventAsync(DoneName, done.Payload, json, aborted);
                        break;
                    case ChatEvent.Error error when !sse.Started && await sse.TryCompleteWithoutStartAsync():
                        await ApiProblems.WithRetryAfter(error.Problem, error.RetryAfter).ExecuteAsync(httpContext);
                        return;
                    case ChatEvent.Error error:
                        if (error.RetryAfter is { } retry)
                        {
                            error.Problem.Extensions["retryAfterSeconds"] = ApiProblems.RetryAfterSeconds(retry);
                        }

                        await sse.WriteEventAsync(ErrorName, error.Problem, json, aborted);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the turn service already saved what there was.
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
    }

    private async Task WriteJsonReplyAsync(HttpContext httpContext, JsonSerializerOptions json, CancellationToken aborted)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var item in turns.StreamAsync(turn, aborted))
        {
            switch (item)
            {
                case ChatEvent.Delta delta:
                    text.Append(delta.Text);
                    break;
                case ChatEvent.Done done:
                    await TypedResults.Json(done.Payload with { Content = text.ToString() }, json).ExecuteAsync(httpContext);
                    return;
                case ChatEvent.Error error:
                    await ApiProblems.WithRetryAfter(error.Problem, error.RetryAfter).ExecuteAsync(httpContext);
                    return;
            }
        }
    }
}
