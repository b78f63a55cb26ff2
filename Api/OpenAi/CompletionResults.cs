using System.Buffers;
using System.Text;
using System.Text.Json;
using Api.Errors;

namespace Api.OpenAi;

/// <summary>
/// Writes a completion OpenAI's way. Streamed: <c>data:</c> frames of <c>chat.completion.chunk</c> (the role first, then
/// the text, then the finish reason, then the usage when <c>stream_options.include_usage</c> asked for it), and
/// <c>data: [DONE]</c>; an error after the stream began is a frame with an <c>error</c> object, and no [DONE].
/// Not streamed: one <c>chat.completion</c>, or the error with its status.
/// </summary>
public sealed class CompletionResult(CompletionService service, CompletionTurn turn, bool stream, bool includeUsage) : IResult
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private Utf8JsonWriter? _json;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        try
        {
            await (stream ? StreamAsync(httpContext) : WholeAsync(httpContext));
        }
        finally
        {
            if (_json is not null)
            {
                await _json.DisposeAsync();
            }
        }
    }

    private async Task StreamAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var aborted = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await FrameAsync(response, Chunk(new ChunkDelta("assistant", string.Empty), null, turn.Model), aborted);
            await foreach (var piece in service.StreamAsync(turn, aborted))
            {
                switch (piece)
                {
                    case CompletionPiece.Text text:
                        await FrameAsync(response, Chunk(new ChunkDelta(Content: text.Value), null, turn.Model), aborted);
                        break;
                    case CompletionPiece.ToolCalled called:
                        // OpenAI's shape: the call's first delta names it (index, id, type, name, empty arguments), the next carries its arguments.
                        await FrameAsync(response, Chunk(new ChunkDelta(ToolCalls: [new ToolCallEntry(called.Index, called.Call.Id, "function", new ToolCallFunction(called.Call.Name, string.Empty))]), null, turn.Model), aborted);
                        await FrameAsync(response, Chunk(new ChunkDelta(ToolCalls: [new ToolCallEntry(called.Index, null, null, new ToolCallFunction(null, called.Call.ArgumentsJson))]), null, turn.Model), aborted);
                        break;
                    case CompletionPiece.End end:
                        await FrameAsync(response, Chunk(new ChunkDelta(), end.FinishReason, end.Model), aborted);
                        if (includeUsage)
                        {
                            await FrameAsync(response, new ChatCompletionChunk(turn.Id, "chat.completion.chunk", turn.Created, end.Model, [], end.Usage), aborted);
                        }

                        await response.Body.WriteAsync(Done, aborted);
                        await response.Body.FlushAsync(aborted);
                        break;
                    case CompletionPiece.Failed failed:
                        await FrameAsync(response, OpenAiErrors.Body(failed.Error), aborted);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            // The caller left: the model call was cancelled with it.
        }
    }

    private async Task WholeAsync(HttpContext httpContext)
    {
        var text = new StringBuilder();
        List<ToolCallEntry>? calls = null;
        await foreach (var piece in service.StreamAsync(turn, httpContext.RequestAborted))
        {
            switch (piece)
            {
                case CompletionPiece.Text part:
                    text.Append(part.Value);
                    break;
                case CompletionPiece.ToolCalled called:
                    (calls ??= []).Add(new ToolCallEntry(null, called.Call.Id, "function", new ToolCallFunction(called.Call.Name, called.Call.ArgumentsJson)));
                    break;
                case CompletionPiece.End end:
                    // A reply that only calls tools has null content, as OpenAI's has.
                    var message = new AssistantMessage("assistant", calls is not null && text.Length == 0 ? null : text.ToString(), ToolCalls: calls);
                    var completion = new ChatCompletion(turn.Id, "chat.completion", turn.Created, end.Model,
                        [new ChatCompletionChoice(0, message, end.FinishReason)], end.Usage);
                    await httpContext.Response.WriteAsJsonAsync(completion, OpenAiErrors.Json, httpContext.RequestAborted);
                    return;
                case CompletionPiece.Failed failed:
                    await OpenAiErrors.Result(failed.Error).ExecuteAsync(httpContext);
                    return;
            }
        }
    }

    private ChatCompletionChunk Chunk(ChunkDelta delta, string? finishReason, string model) =>
        new(turn.Id, "chat.completion.chunk", turn.Created, model, [new ChunkChoice(0, delta, finishReason)], null);

    /// <summary>One <c>data:</c> frame, written into the response's pipe by one reused JSON writer, and flushed.</summary>
    private async Task FrameAsync<T>(HttpResponse response, T value, CancellationToken cancellationToken)
    {
        var pipe = response.BodyWriter;
        pipe.Write(DataPrefix);
        if (_json is null)
        {
            _json = new Utf8JsonWriter(pipe, new JsonWriterOptions { Encoder = OpenAiErrors.Json.Encoder, SkipValidation = true });
        }
        else
        {
            _json.Reset(pipe);
        }

        JsonSerializer.Serialize(_json, value, OpenAiErrors.Json);
        _json.Flush();
        pipe.Write(FrameEnd);
        await pipe.FlushAsync(cancellationToken);
    }
}
