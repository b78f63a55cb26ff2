using System.Text.Json;
using System.Text.Json.Serialization;

namespace Api.OpenAi;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c>, as OpenAI defines it. Every field it knows is a property; any other
/// lands in <see cref="Other"/> and is refused, never silently ignored.
/// </summary>
public sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }

    [JsonPropertyName("messages")] public List<ChatCompletionMessage>? Messages { get; set; }

    [JsonPropertyName("stream")] public bool? Stream { get; set; }

    [JsonPropertyName("stream_options")] public ChatCompletionStreamOptions? StreamOptions { get; set; }

    [JsonPropertyName("temperature")] public double? Temperature { get; set; }

    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }

    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }

    [JsonPropertyName("n")] public int? N { get; set; }

    [JsonPropertyName("top_p")] public double? TopP { get; set; }

    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }

    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }

    /// <summary>An end-user id for the caller's own tracking: accepted, not used (the authenticated user is who counts).</summary>
    [JsonPropertyName("user")] public string? User { get; set; }

    /// <summary>OpenAI's stored completions: only <c>false</c> (nothing is stored) is accepted.</summary>
    [JsonPropertyName("store")] public bool? Store { get; set; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Other { get; set; }
}

public sealed class ChatCompletionStreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; set; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Other { get; set; }
}

/// <summary>A message: <c>content</c> is a string or an array of parts, of which only text parts are accepted.</summary>
public sealed class ChatCompletionMessage
{
    [JsonPropertyName("role")] public string? Role { get; set; }

    [JsonPropertyName("content")] public JsonElement Content { get; set; }

    [JsonPropertyName("name")] public string? Name { get; set; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Other { get; set; }
}

/// <summary>The non-streaming answer (<c>chat.completion</c>).</summary>
public sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChoice> Choices,
    [property: JsonPropertyName("usage")] CompletionUsage Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null);

public sealed record ChatCompletionChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] AssistantMessage Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("logprobs")] object? Logprobs = null);

public sealed record AssistantMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("refusal")] string? Refusal = null);

/// <summary>One streamed frame (<c>chat.completion.chunk</c>).</summary>
public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChunkChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] CompletionUsage? Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null);

public sealed record ChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChunkDelta Delta,
    [property: JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: JsonPropertyName("logprobs")] object? Logprobs = null);

public sealed record ChunkDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null);

public sealed record CompletionUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

/// <summary><c>GET /v1/models</c>.</summary>
public sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelEntry> Data);

public sealed record ModelEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);
