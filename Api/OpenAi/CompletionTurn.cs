using Api.Errors;
using Api.ModelCalls;

namespace Api.OpenAi;

/// <summary>An admitted completion: its model run (slots, usage reservation) and its identity in OpenAI's terms.</summary>
public sealed class CompletionTurn(ModelRun run, string id, long created, string model, bool parallelToolCalls = true) : IAsyncDisposable
{
    public ModelRun Run { get; } = run;

    /// <summary><c>chatcmpl-...</c>: every frame of one completion carries it.</summary>
    public string Id { get; } = id;

    /// <summary>Unix seconds.</summary>
    public long Created { get; } = created;

    /// <summary>The model as the caller named it (the fallback may serve it; the answer names the model used).</summary>
    public string Model { get; } = model;

    /// <summary>False: only the model's first call of a tool is answered (OpenAI's <c>parallel_tool_calls: false</c>).</summary>
    public bool ParallelToolCalls { get; } = parallelToolCalls;

    public ValueTask DisposeAsync() => Run.DisposeAsync();
}

/// <summary>What a completion stream produces: text, then its end (finish reason and usage), or an error.</summary>
public abstract record CompletionPiece
{
    public sealed record Text(string Value) : CompletionPiece;

    /// <summary>A call of a tool, the <paramref name="Index"/>th of the reply.</summary>
    public sealed record ToolCalled(int Index, Llm.ToolCall Call) : CompletionPiece;

    public sealed record End(string FinishReason, string Model, CompletionUsage Usage) : CompletionPiece;

    public sealed record Failed(ApiError Error) : CompletionPiece;
}
