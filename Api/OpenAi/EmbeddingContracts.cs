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
