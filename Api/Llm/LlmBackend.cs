using Microsoft.Extensions.AI;
using OllamaSharp;

namespace Api.Llm;

/// <summary>One model server the API can use: its chat client, model, breaker and admission limit.</summary>
public sealed class LlmBackend(string name, string model, Uri endpoint, IChatClient chat, IOllamaApiClient ollama, LlmCircuitBreaker breaker, LlmAdmission admission, bool isFallback)
{
    public string Name { get; } = name;

    public string Model { get; } = model;

    public Uri Endpoint { get; } = endpoint;

    public IChatClient Chat { get; } = chat;

    public IOllamaApiClient Ollama { get; } = ollama;

    public LlmCircuitBreaker Breaker { get; } = breaker;

    public LlmAdmission Admission { get; } = admission;

    public bool IsFallback { get; } = isFallback;

    /// <summary>The named HttpClient of this backend's Ollama client (resilience and cancellation handlers), for the streaming hot path.</summary>
    public string HttpClientName { get; init; } = string.Empty;
}
