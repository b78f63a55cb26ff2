namespace Tests.TestDoubles.Ollama;

/// <summary>How the double answers one chat or generate request.</summary>
public sealed record OllamaDoubleScript
{
    public static readonly IReadOnlyList<string> DefaultTokens = ["Hello", " from", " the", " Ollama", " test", " double", "."];

    public IReadOnlyList<string> Tokens { get; init; } = DefaultTokens;

    /// <summary>Time before the first token (a cold model loads for tens of seconds).</summary>
    public TimeSpan FirstTokenDelay { get; init; }

    /// <summary>Time between tokens (a fast GPU: about 7 ms).</summary>
    public TimeSpan TokenInterval { get; init; }

    public OllamaFault Fault { get; init; }

    public int FaultAfterTokens { get; init; }

    /// <summary>How many requests in a row get <see cref="Fault"/> (503/500 faults); later ones get the tokens.</summary>
    public int FaultCount { get; init; } = int.MaxValue;

    public int PromptEvalCount { get; init; } = 21;

    public static OllamaDoubleScript Reply(params string[] tokens) => new() { Tokens = tokens };
}
