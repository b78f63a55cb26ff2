using System.Text.Json;
using Api.Streaming;
using Api.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Api.Replies;

/// <summary>
/// Writes a reply's events to one HTTP response as Server-Sent Events, each with its id (<c>{replyId}:{index}</c>),
/// whether they come from this replica's run or from the log in the store. For the request that started the reply, an
/// error before anything was written is a plain ProblemDetails response with its status. A client that leaves only
/// stops its own reading: the reply goes on for whoever resumes it.
/// </summary>
public static class ReplyStreamWriter
{
    public static async Task WriteAsync(HttpContext httpContext, IAsyncEnumerable<ReplyItem> items, bool plainErrorBeforeStart)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var streaming = httpContext.RequestServices.GetRequiredService<IOptions<ChatStreamOptions>>().Value;
        var aborted = httpContext.RequestAborted;
        // A resumed reply starts at once: the client is told its reply is there even before the next token.
        await using var sse = new SseWriter(httpContext.Response, plainErrorBeforeStart ? streaming.StartDelay : TimeSpan.Zero, streaming.HeartbeatInterval, aborted);
        try
        {
            await foreach (var item in items.WithCancellation(aborted))
            {
                if (item.Event is ChatEvent.Error error && plainErrorBeforeStart && !sse.Started && await sse.TryCompleteWithoutStartAsync())
                {
                    await error.Problem.ToResult().ExecuteAsync(httpContext);
                    return;
                }

                if (item.Event is { } produced)
                {
                    var (name, data) = ReplyEntries.Describe(produced);
                    await sse.WriteEventAsync(name, data, json, aborted, item.Id);
                }
                else if (ReplyEntries.TrySplit(item.Entry, out var name, out var data))
                {
                    await sse.WriteRawEventAsync(name, data, item.Id, aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the reply goes on until it ends or nobody resumes it.
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
    }

    /// <summary>Collects a reply into one JSON body (<c>stream=false</c>): the done event with the whole text, or the error.</summary>
    public static async Task WriteJsonAsync(HttpContext httpContext, IAsyncEnumerable<ReplyItem> items)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var text = new System.Text.StringBuilder();
        await foreach (var item in items.WithCancellation(httpContext.RequestAborted))
        {
            switch (item.Event)
            {
                case ChatEvent.Delta delta:
                    text.Append(delta.Text);
                    break;
                case ChatEvent.Done done:
                    await TypedResults.Json(done.Payload with { Content = text.ToString() }, json).ExecuteAsync(httpContext);
                    return;
                case ChatEvent.Error error:
                    await error.Problem.ToResult().ExecuteAsync(httpContext);
                    return;
            }
        }
    }

    /// <summary>The events of a run on this replica, from <paramref name="from"/> on; leaving stops following it.</summary>
    public static async IAsyncEnumerable<ReplyItem> Follow(ReplyRun run, int from, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = run.Read(from);
        while (await reader.Items.WaitToReadAsync(cancellationToken))
        {
            while (reader.Items.TryRead(out var item))
            {
                yield return item;
            }
        }
    }
}
