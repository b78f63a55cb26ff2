namespace Tests.TestDoubles.Ollama;

/// <summary>What goes wrong with a scripted <c>/api/chat</c> or <c>/api/generate</c> call.</summary>
public enum OllamaFault
{
    None,

    /// <summary>HTTP 503 "server busy" before any token: Ollama's answer when its queue is full.</summary>
    ServerBusy503,

    /// <summary>HTTP 500 with an error body before any token.</summary>
    InternalError500,

    /// <summary>The connection is aborted after <see cref="OllamaDoubleScript.FaultAfterTokens"/> tokens: no final message.</summary>
    CutStream,

    /// <summary>After <see cref="OllamaDoubleScript.FaultAfterTokens"/> tokens, nothing more is sent until the client gives up.</summary>
    Stall,

    /// <summary>An <c>{"error": ...}</c> line in the stream after <see cref="OllamaDoubleScript.FaultAfterTokens"/> tokens, as Ollama sends when generation fails.</summary>
    ErrorInStream,
}
