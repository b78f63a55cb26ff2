using Api.Llm;

namespace Api.ModelCalls;

/// <summary>
/// Where a model request comes from. Every route takes the same path (<see cref="ModelCallPipeline"/>); a route says
/// only whether it is a user's own request (counted per minute, holding a stream slot) or one the API makes on the
/// user's behalf (a conversation's title), and which route the gauges KEDA reads count it under.
/// </summary>
public sealed record ModelRoute(string Name, string MetricRoute, bool UserRequest)
{
    /// <summary>The kind of model the route calls: a chat route cannot name an embedding model, nor the reverse.</summary>
    public ModelKind Kind { get; init; } = ModelKind.Chat;

    /// <summary>
    /// The request holds one of the user's concurrent streams while the model works: a reply for as long as it streams,
    /// an embedding batch until its vectors are back (so one key cannot hold the embedding server with many at once).
    /// </summary>
    public bool HoldsStream => UserRequest;

    public static readonly ModelRoute Chat = new("chat", LlmMetricNames.ChatRoute, UserRequest: true);

    public static readonly ModelRoute Regenerate = new("regenerate", LlmMetricNames.ChatRoute, UserRequest: true);

    /// <summary>A conversation's title, asked of the model after its first complete reply.</summary>
    public static readonly ModelRoute Title = new("title", LlmMetricNames.ChatRoute, UserRequest: false);

    public static readonly ModelRoute OpenAi = new("openai", LlmMetricNames.OpenAiRoute, UserRequest: true);

    /// <summary><c>/v1/embeddings</c>: short calls of their own kind, each on the embedding model's own lane.</summary>
    public static readonly ModelRoute Embeddings = new(Usage.UsageRecord.EmbeddingsRoute, LlmMetricNames.EmbeddingsRoute, UserRequest: true) { Kind = ModelKind.Embedding };

    public static IReadOnlyList<ModelRoute> All { get; } = [Chat, Regenerate, Title, OpenAi, Embeddings];
}
