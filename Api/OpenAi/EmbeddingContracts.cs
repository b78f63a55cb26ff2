using System.Text.Json;
using System.Text.Json.Serialization;

namespace Api.OpenAi;

/// <summary>The body of <c>POST /v1/embeddings</c>, as OpenAI defines it; any other field lands in <see cref="Other"/> and is refused.</summary>
public sealed class EmbeddingRequestBody
{
    [JsonPropertyName("model")] public string? Model { get; set; }

    /// <summary>A string, or an array of strings (token arrays are refused).</summary>
    [JsonPropertyName("input")] public JsonElement Input { get; set; }

    /// <summary><c>float</c> (the default) or <c>base64</c> (little-endian float32s).</summary>
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; set; }

    [JsonPropertyName("dimensions")] public int? Dimensions { get; set; }

    /// <summary>An end-user id for the caller's own tracking: accepted, not used.</summary>
    [JsonPropertyName("user")] public string? User { get; set; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Other { get; set; }
}

/// <summary>The answer: one <c>embedding</c> per input, in order.</summary>
public sealed record EmbeddingList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<EmbeddingEntry> Data,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] EmbeddingUsage Usage);

/// <param name="Embedding">An array of floats, or a base64 string of their little-endian float32 bytes.</param>
public sealed record EmbeddingEntry(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] object Embedding);

public sealed record EmbeddingUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);
