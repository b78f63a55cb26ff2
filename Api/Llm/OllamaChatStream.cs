using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>
/// Ollama's <c>POST /api/chat</c> stream, read lean: the request is written with one JSON writer, and each NDJSON line
/// is parsed in place from the response's pipe, keeping only the token's text and, on the last line, the finish
/// reason and token counts. It sends what OllamaSharp's chat client sends (model, messages, <c>options.temperature</c>,
/// <c>options.num_predict</c>) and, so that Ollama never cuts a prompt or drops its start mid-reply, <c>truncate: false</c>
/// and <c>shift: false</c>, through the same named HttpClient (resilience and cancellation handlers included); it skips
/// the two object layers OllamaSharp and Microsoft.Extensions.AI build for every token.
/// </summary>
public static class OllamaChatStream
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <remarks>With <paramref name="stream"/> false Ollama answers one JSON object, the shape of a stream's last line with the whole text in it: read as a one-line stream.</remarks>
    public static async IAsyncEnumerable<LlmChunk> ReadAsync(HttpClient http, string model, IEnumerable<ChatMessage> messages, float? temperature, int? maxOutputTokens, [EnumeratorCancellation] CancellationToken cancellationToken, bool stream = true, IReadOnlyList<ToolDefinition>? tools = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat") { Content = Body(model, messages, temperature, maxOutputTokens, stream, tools) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw OllamaErrors.From(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }

        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(cancellationToken), new StreamPipeReaderOptions(bufferSize: 4096));
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (Parse(line) is { } chunk)
                    {
                        yield return chunk;
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty && Parse(buffer) is { } last)
                    {
                        yield return last;
                    }

                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <remarks>
    /// Tools go as OpenAI's objects (Ollama's <c>tools</c> takes the same shape); an assistant message's calls go as
    /// <c>tool_calls</c> with their arguments as a JSON object, never a string (Ollama's <c>arguments</c> is an object);
    /// a tool's answer goes as role <c>tool</c> with the function's name (<c>tool_name</c>) and the call's id.
    /// </remarks>
    private static ReadOnlyMemoryContent Body(string model, IEnumerable<ChatMessage> messages, float? temperature, int? maxOutputTokens, bool stream, IReadOnlyList<ToolDefinition>? tools)
    {
        // Sized for the messages (most text is one byte a character), so the writer rarely grows, and sent from where it
        // was written: no copy of the whole history per request.
        var output = new ArrayBufferWriter<byte>(256 + messages.Sum(m => 64 + (m.Text?.Length ?? 0)));
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("messages");
            foreach (var message in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteString("content", message.Text);
                if (message.Contents.Count > 1)
                {
                    WriteToolParts(json, message);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (tools is { Count: > 0 })
            {
                json.WriteStartArray("tools");
                foreach (var tool in tools)
                {
                    json.WriteRawValue(tool.Json, skipInputValidation: true);
                }

                json.WriteEndArray();
            }

            json.WriteBoolean("stream", stream);
            // Never cut: a prompt longer than the window is refused (400), not shortened from the front, where our system
            // prompt and its canary are; and a reply that reaches the window ends there (done_reason "length") instead of
            // dropping the start of the context to go on.
            json.WriteBoolean("truncate", false);
            json.WriteBoolean("shift", false);
            json.WriteStartObject("options");
            if (temperature is { } t)
            {
                json.WriteNumber("temperature", t);
            }

            if (maxOutputTokens is { } n)
            {
                json.WriteNumber("num_predict", n);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        var content = new ReadOnlyMemoryContent(output.WrittenMemory);
        content.Headers.ContentType = Json;
        return content;
    }

    private static void WriteToolParts(Utf8JsonWriter json, ChatMessage message)
    {
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case ToolCallsContent calls:
                    json.WriteStartArray("tool_calls");
                    foreach (var call in calls.Calls)
                    {
                        json.WriteStartObject();
                        json.WriteString("id", call.Id);
                        json.WriteStartObject("function");
                        json.WriteString("name", call.Name);
                        json.WritePropertyName("arguments");
                        json.WriteRawValue(call.ArgumentsJson, skipInputValidation: true);
                        json.WriteEndObject();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    break;
                case ToolAnswerContent result:
                    json.WriteString("tool_name", result.Call.Name);
                    json.WriteString("tool_call_id", result.Call.Id);
                    break;
            }
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        return true;
    }

    /// <summary>One NDJSON line: the token's text, or the last line's finish reason and counts; an <c>error</c> line throws.</summary>
    private static LlmChunk? Parse(ReadOnlySequence<byte> line)
    {
        var json = new Utf8JsonReader(line);
        string? text = null, finishReason = null, error = null;
        List<ToolCall>? toolCalls = null;
        int? promptTokens = null, outputTokens = null;
        var done = false;
        var depth = 0;
        var inMessage = false;
        while (json.Read())
        {
            switch (json.TokenType)
            {
                case JsonTokenType.StartObject:
                    depth++;
                    break;
                case JsonTokenType.EndObject:
                    depth--;
                    inMessage = false;
                    break;
                case JsonTokenType.PropertyName when depth == 1:
                    if (json.ValueTextEquals("message"u8))
                    {
                        inMessage = true;
                    }
                    else if (json.ValueTextEquals("done"u8) && json.Read())
                    {
                        done = json.TokenType == JsonTokenType.True;
                    }
                    else if (json.ValueTextEquals("done_reason"u8) && json.Read())
                    {
                        finishReason = json.GetString();
                    }
                    else if (json.ValueTextEquals("prompt_eval_count"u8) && json.Read())
                    {
                        promptTokens = json.GetInt32();
                    }
                    else if (json.ValueTextEquals("eval_count"u8) && json.Read())
                    {
                        outputTokens = json.GetInt32();
                    }
                    else if (json.ValueTextEquals("error"u8) && json.Read())
                    {
                        error = json.GetString();
                    }
                    else
                    {
                        json.Read();
                        json.TrySkip();
                    }

                    break;
                case JsonTokenType.PropertyName when depth == 2 && inMessage:
                    if (json.ValueTextEquals("content"u8) && json.Read())
                    {
                        text = json.GetString();
                    }
                    else if (json.ValueTextEquals("tool_calls"u8) && json.Read())
                    {
                        // Rare (a reply that calls tools): read as a document, each call whole.
                        toolCalls = ReadToolCalls(JsonElement.ParseValue(ref json));
                    }
                    else
                    {
                        json.Read();
                        json.TrySkip();
                    }

                    break;
            }
        }

        if (error is not null)
        {
            throw new InvalidOperationException($"Ollama reported an error: {error}");
        }

        if (!done)
        {
            return string.IsNullOrEmpty(text) && toolCalls is null ? null : new LlmChunk(text, null, null, null) { ToolCalls = toolCalls };
        }

        return new LlmChunk(string.IsNullOrEmpty(text) ? null : text, promptTokens, outputTokens, finishReason ?? "stop") { ToolCalls = toolCalls };
    }

    /// <summary>Ollama's <c>message.tool_calls</c>: each <c>function</c>'s name and arguments (an object); the call's <c>id</c> when it sends one, ours otherwise.</summary>
    private static List<ToolCall>? ReadToolCalls(JsonElement calls)
    {
        if (calls.ValueKind != JsonValueKind.Array || calls.GetArrayLength() == 0)
        {
            return null;
        }

        var read = new List<ToolCall>(calls.GetArrayLength());
        foreach (var call in calls.EnumerateArray())
        {
            if (!call.TryGetProperty("function", out var function) || !function.TryGetProperty("name", out var name) || name.GetString() is not { Length: > 0 } functionName)
            {
                throw new InvalidOperationException("Ollama sent a tool call without a function name.");
            }

            var arguments = function.TryGetProperty("arguments", out var args) ? args : default;
            var argumentsJson = arguments.ValueKind switch
            {
                JsonValueKind.Object => arguments.GetRawText(),
                // Some templates put the arguments in a string: kept if it holds an object.
                JsonValueKind.String when TryObject(arguments.GetString()) is { } inner => inner,
                JsonValueKind.Undefined or JsonValueKind.Null => "{}",
                _ => throw new InvalidOperationException($"Ollama sent the arguments of '{functionName}' as {arguments.ValueKind}, not an object."),
            };
            var id = call.TryGetProperty("id", out var given) && given.GetString() is { Length: > 0 } text ? text : ToolCallIds.New();
            read.Add(new ToolCall(id, functionName, argumentsJson));
        }

        return read;
    }

    private static string? TryObject(string? text)
    {
        try
        {
            using var document = JsonDocument.Parse(text ?? string.Empty);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.GetRawText() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
