namespace Api.Llm;

/// <summary>
/// The names of the LLM metrics and their tags, defined once: the API publishes them, and the AppHost (which links
/// this file) writes the KEDA PromQL that scales on them. Prometheus spells <c>llm.requests.in_flight</c> as
/// <c>llm_requests_in_flight</c> (units in braces add no suffix).
/// </summary>
internal static class LlmMetricNames
{
    public const string RequestsInFlight = "llm.requests.in_flight";
    public const string RequestsQueued = "llm.requests.queued";
    public const string CircuitBreakerState = "llm.circuit_breaker.state";

    /// <summary>From a model request's first step until it held its model slot (the fair queue's wait, mostly).</summary>
    public const string AdmissionWait = "llm.admission.wait";

    /// <summary>The tag that names the backend of a measurement.</summary>
    public const string BackendTag = "backend";

    /// <summary>The tag that names the route a reply came through.</summary>
    public const string RouteTag = "route";

    /// <summary>The chat API's turns.</summary>
    public const string ChatRoute = "chat";

    /// <summary>The OpenAI-compatible route (<c>/v1/chat/completions</c>).</summary>
    public const string OpenAiRoute = "openai";

    /// <summary>The OpenAI-compatible embeddings route (<c>/v1/embeddings</c>).</summary>
    public const string EmbeddingsRoute = "embeddings";

    /// <summary>A metric name as the Prometheus exporter writes it.</summary>
    public static string Prometheus(string name) => name.Replace('.', '_');
}
