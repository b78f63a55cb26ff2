using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Api.Llm;

/// <summary>
/// Ollama's <c>POST /api/embed</c>: <c>{"model","input":[...],"truncate":false}</c> answered by
/// <c>{"embeddings":[[...]],"prompt_eval_count":n}</c>. <c>truncate</c> is false so an input longer than the model's
/// context fails (Ollama answers 400) instead of being cut without a word. The answer is read once with a forward-only
/// reader that checks every vector is an array of numbers and notes where each lies: the numbers are not parsed for
/// floats (their text is passed on as it came) nor for base64 until the answer is written (<see cref="EmbedResult"/>).
/// </summary>
public static class OllamaEmbed
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task<EmbedResult> CallAsync(HttpClient http, string model, IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(64 + inputs.Sum(i => i.Length + 8));
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("input");
            foreach (var input in inputs)
            {
                json.WriteStringValue(input);
            }

            json.WriteEndArray();
            json.WriteBoolean("truncate", false);
            json.WriteEndObject();
        }

        using var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = Json;
        using var response = await http.PostAsync("api/embed", content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var failure = OllamaErrors.From(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            throw failure.StatusCode == HttpStatusCode.BadRequest ? new EmbedInputRefusedException(failure) : failure;
        }

        var (buffer, length) = await ReadAllAsync(response.Content, cancellationToken);
        try
        {
            return Parse(buffer, length, inputs.Count);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>The answer's vectors (where each lies, checked to hold numbers only) and tokens; the buffer is the result's to return.</summary>
    private static EmbedResult Parse(byte[] buffer, int length, int expected)
    {
        var reader = new Utf8JsonReader(buffer.AsSpan(0, length));
        var vectors = new List<Range>(expected);
        var tokens = 0;
        var dimensions = -1;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidOperationException("Ollama answered /api/embed with something other than a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("embeddings"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new InvalidOperationException("Ollama's embeddings are not an array.");
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    var count = 0;
                    while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                    {
                        count++;
                    }

                    if (reader.TokenType != JsonTokenType.EndArray || (dimensions >= 0 && count != dimensions))
                    {
                        throw new InvalidOperationException("Ollama answered a vector that is not numbers only, or of another length than the others.");
                    }

                    dimensions = count;
                    vectors.Add(new Range(start, (int)reader.BytesConsumed));
                }
            }
            else if (reader.ValueTextEquals("prompt_eval_count"u8) && reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                tokens = reader.GetInt32();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (vectors.Count != expected)
        {
            throw new InvalidOperationException($"Ollama answered /api/embed with {vectors.Count} vectors for {expected} inputs.");
        }

        return new EmbedResult(buffer, vectors, Math.Max(dimensions, 0), tokens);
    }

    private static async Task<(byte[] Buffer, int Length)> ReadAllAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(content.Headers.ContentLength ?? 64 * 1024, 1024, 64 * 1024 * 1024) + 1);
        var length = 0;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        while (true)
        {
            if (length == buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return (buffer, length);
            }

            length += read;
        }
    }
}

/// <summary>The model server refused the inputs (Ollama's 400): <see cref="TooLong"/> when one was longer than the model's context.</summary>
public sealed class EmbedInputRefusedException(HttpRequestException refusal) : Exception(refusal.Message, refusal)
{
    public bool TooLong => InnerException is LlmContextLengthException;
}
