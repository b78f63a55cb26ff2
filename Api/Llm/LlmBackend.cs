using Microsoft.Extensions.AI;
using OllamaSharp;

namespace Api.Llm;

/// <summary>
/// One model of the catalogue and the server that runs it: its id on every route (<see cref="Name"/>), the Ollama tag
/// it is served under (<see cref="Model"/>), what it is (<see cref="Options"/>), and its own breaker and admission: a
/// fair queue and a capacity of its own, so a busy model never takes another's slots.
/// </summary>
public sealed class LlmBackend(string name, string model, Uri endpoint, IChatClient chat, IOllamaApiClient ollama, LlmCircuitBreaker breaker, LlmAdmission admission, ModelOptions options)
{
    /// <summary>The model's id: what callers name, what <c>/v1/models</c> lists, the gauges' <c>backend</c> tag.</summary>
    public string Name { get; } = name;

    /// <summary>The Ollama tag the server runs (<c>llama3.1:8b-instruct-q4_K_M</c>).</summary>
    public string Model { get; } = model;

    public Uri Endpoint { get; } = endpoint;

    public IChatClient Chat { get; } = chat;

    public IOllamaApiClient Ollama { get; } = ollama;

    public LlmCircuitBreaker Breaker { get; } = breaker;

    public LlmAdmission Admission { get; } = admission;

    public ModelOptions Options { get; } = options;

    public ModelKind Kind => Options.Kind;

    /// <summary>The named HttpClient of this backend's Ollama client (resilience and cancellation handlers), for the streaming hot path.</summary>
    public string HttpClientName { get; init; } = string.Empty;
}
