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

    /// <summary>Functions the model may call: <c>[{"type":"function","function":{"name","description","parameters"}}]</c>.</summary>
    [JsonPropertyName("tools")] public JsonElement Tools { get; set; }

    /// <summary><c>"auto"</c>, <c>"none"</c>, <c>"required"</c> or <c>{"type":"function","function":{"name":...}}</c>.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement ToolChoice { get; set; }

    /// <summary>False: at most one call per reply.</summary>
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; set; }

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

    /// <summary>An assistant message's calls: <c>[{"id","type":"function","function":{"name","arguments"}}]</c>, arguments a JSON string.</summary>
    [JsonPropertyName("tool_calls")] public JsonElement ToolCalls { get; set; }

    /// <summary>A <c>tool</c> message: the id of the call it answers.</summary>
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }

    /// <summary>An assistant message's refusal, as OpenAI's clients send an earlier answer back (usually null).</summary>
    [JsonPropertyName("refusal")] public string? Refusal { get; set; }

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
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    [property: JsonPropertyName("refusal")] string? Refusal = null,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallEntry>? ToolCalls = null);

/// <summary>A call of a tool in an answer: whole in <c>chat.completion</c>; in a stream, the first delta of a call has its id, type and name, later ones add to its arguments.</summary>
public sealed record ToolCallEntry(
    [property: JsonPropertyName("index"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Index,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    [property: JsonPropertyName("function")] ToolCallFunction Function);

public sealed record ToolCallFunction(
    [property: JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonPropertyName("arguments")] string Arguments);

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
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallEntry>? ToolCalls = null);

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
