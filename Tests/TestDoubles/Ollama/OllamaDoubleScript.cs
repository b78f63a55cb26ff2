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

    /// <summary>
    /// With <see cref="HoldAfterTokens"/>: the stream stops after that many tokens until the test completes it (a model
    /// that is still generating for as long as the test needs it busy, however slow the machine).
    /// </summary>
    public TaskCompletionSource? Hold { get; init; }

    public int HoldAfterTokens { get; init; }

    public int FaultAfterTokens { get; init; }

    /// <summary>How many requests in a row get <see cref="Fault"/> (503/500 faults); later ones get the tokens.</summary>
    public int FaultCount { get; init; } = int.MaxValue;

    /// <summary>The prompt tokens the final line reports; unset, the tokens the model read of the prompt (<see cref="OllamaPrompt"/>).</summary>
    public int? PromptEvalCount { get; init; }

    /// <summary>
    /// Calls of tools the reply makes, after its tokens, when the request offered tools: each a function's name and its
    /// arguments as a JSON object, sent in one chunk's <c>message.tool_calls</c> as Ollama streams them (ollama.com/blog/streaming-tool).
    /// </summary>
    public IReadOnlyList<(string Name, string ArgumentsJson)> ToolCalls { get; init; } = [];

    public static OllamaDoubleScript CallTools(params (string Name, string ArgumentsJson)[] calls) => new() { Tokens = [], ToolCalls = calls };

    public static OllamaDoubleScript Reply(params string[] tokens) => new() { Tokens = tokens };
}
