using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace Api.Llm;

/// <summary>
/// What Ollama's <c>/api/embed</c> answered, held as it came: one vector per input (each a checked JSON array of
/// numbers, located in the answer's bytes), their length and the tokens read. A vector is written on as its own text
/// (floats) or parsed once into float32s for base64; the pooled buffer goes back on disposal.
/// </summary>
public sealed class EmbedResult(byte[] buffer, IReadOnlyList<Range> vectors, int dimensions, int promptTokens) : IDisposable
{
    private byte[]? _buffer = buffer;

    public int Count => vectors.Count;

    public int Dimensions { get; } = dimensions;

    public int PromptTokens { get; } = promptTokens;

    /// <summary>The <paramref name="index"/>th vector's JSON array, as Ollama wrote it.</summary>
    public ReadOnlySpan<byte> Json(int index) => (_buffer ?? throw new ObjectDisposedException(nameof(EmbedResult))).AsSpan(vectors[index]);

    /// <summary>The <paramref name="index"/>th vector as OpenAI's base64: its float32s, little-endian.</summary>
    public void WriteBase64(int index, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var bytes = ArrayPool<byte>.Shared.Rent(Dimensions * sizeof(float));
        try
        {
            var reader = new Utf8JsonReader(Json(index));
            var at = 0;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Number)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), reader.GetSingle());
                    at += sizeof(float);
                }
            }

            writer.WriteBase64StringValue(bytes.AsSpan(0, at));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } held)
        {
            ArrayPool<byte>.Shared.Return(held);
        }
    }
}
