using System.Diagnostics;
using System.Text;

namespace Api.Streaming;

/// <summary>What a streaming reply produced so far: filled while it streams, saved when it ends.</summary>
public sealed class ReplyOutcome
{
    public Stopwatch Stopwatch { get; } = Stopwatch.StartNew();

    public StringBuilder Reply { get; } = new();

    public TimeSpan? FirstToken { get; set; }

    /// <summary>The calls of tools the model made, in order, each passed by the leak guard.</summary>
    public List<Llm.ToolCall> ToolCalls { get; } = [];

    public int? PromptTokens { get; set; }

    public int? CompletionTokens { get; set; }

    /// <summary>The model's chunks that carried text or tool calls: Ollama streams one token a chunk.</summary>
    public int Chunks { get; set; }

    /// <summary>
    /// The reply's output tokens: as the model counted them (its last chunk), else, when the stream ended before that
    /// chunk (dropped, cancelled, failed), the more of the chunks received and the text's conservative estimate, so a
    /// reply of ideographs or emoji cut short is never charged less than the tokens it took. Null when nothing came.
    /// </summary>
    public int? OutputTokens => CompletionTokens
        ?? (Chunks > 0 || Reply.Length > 0 ? Math.Max(Chunks, Llm.TokenEstimator.Estimate(Reply.ToString())) : null);

    /// <summary>Ollama's reason for the end (<c>stop</c>, <c>length</c>), when it said one.</summary>
    public string? FinishReason { get; set; }

    public Exception? Failure { get; set; }

    /// <summary>The reply was cancelled: by its user, or because nobody read it.</summary>
    public bool Cancelled { get; set; }

    /// <summary>The server is shutting down and the drain ran out: the stream was ended for the client to resume elsewhere.</summary>
    public bool ShuttingDown { get; set; }
}
