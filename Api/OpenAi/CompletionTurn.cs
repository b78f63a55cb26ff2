using Api.Auth;
using Api.Conversations;
using Api.Llm;

namespace Api.OpenAi;

/// <summary>An admitted completion: the model request, its slots (the user's stream slot, a model slot), and its identity.</summary>
public sealed class CompletionTurn(CurrentUser user, string id, long created, string model, LlmRequest request, LlmLease lease, IDisposable streamSlot, DailyUsage usage) : IDisposable
{
    private int _disposed;

    public CurrentUser User { get; } = user;

    /// <summary><c>chatcmpl-...</c>: every frame of one completion carries it.</summary>
    public string Id { get; } = id;

    /// <summary>Unix seconds.</summary>
    public long Created { get; } = created;

    /// <summary>The model as the caller named it (the fallback may serve it; the answer names the model used).</summary>
    public string Model { get; } = model;

    public LlmRequest Request { get; } = request;

    public LlmLease Lease { get; } = lease;

    public DailyUsage Usage { get; } = usage;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Lease.Dispose();
            streamSlot.Dispose();
        }
    }
}

/// <summary>What a completion stream produces: text, then its end (finish reason and usage), or an error.</summary>
public abstract record CompletionPiece
{
    public sealed record Text(string Value) : CompletionPiece;

    public sealed record End(string FinishReason, string Model, CompletionUsage Usage) : CompletionPiece;

    public sealed record Failed(CompletionError Error) : CompletionPiece;
}
