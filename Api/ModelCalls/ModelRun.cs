using Api.Llm;
using Api.Streaming;
using Api.Usage;

namespace Api.ModelCalls;

/// <summary>
/// An admitted model request: the model's request and slot, the user's stream slot and token reservation. Its reply
/// streams through the leak guard (step 10); disposing it settles the usage in the ledger, whatever became of the
/// reply or of what the route does with it (step 11), and gives every slot back. Disposed once; the model's slot can
/// be given back earlier, as soon as the reply has ended (a chat turn does, before it asks for a title).
/// </summary>
public sealed class ModelRun : IAsyncDisposable
{
    private readonly ModelCallState _state;
    private readonly GuardedReplyReader _reader;
    private readonly UsageLedger _ledger;
    private int _modelReleased;
    private int _disposed;

    internal ModelRun(ModelCallState state, GuardedReplyReader reader, UsageLedger ledger)
    {
        _state = state;
        _reader = reader;
        _ledger = ledger;
        Request = new LlmRequest(state.ModelMessages, state.Model, state.Temperature, state.OutputTokens, state.Call.Stream);
    }

    public string RequestId => _state.RequestId;

    public ModelCall Call => _state.Call;

    public LlmRequest Request { get; }

    public LlmLease Lease => _state.Lease!;

    public bool InjectionFlagged => _state.InjectionFlagged;

    /// <summary>The caller's messages as cleaned by the pipeline.</summary>
    public IReadOnlyList<Api.ModelCalls.CallerMessage> Cleaned => _state.Cleaned;

    /// <summary>How the reply went: its text, tokens, timings and end; filled while it streams.</summary>
    public ReplyOutcome Outcome { get; } = new();

    /// <summary>The model that answered: the fallback's own when it took over.</summary>
    public string ModelUsed => Lease.Backend.IsFallback ? Lease.Backend.Model : Request.Model;

    /// <summary>The reply's output tokens: as the model counted them, else estimated from the text.</summary>
    public int OutputTokens => Outcome.CompletionTokens ?? (Outcome.Reply.Length > 0 ? TokenEstimator.Estimate(Outcome.Reply.ToString()) : 0);

    /// <summary>Step 10: the reply's safe text as it comes; <see cref="Outcome"/> says how it ended.</summary>
    public IAsyncEnumerable<string> StreamAsync(CancellationToken cancellation) =>
        _reader.ReadAsync(Lease, Request, Outcome, Call.User.Id, Call.Where, cancellation, _state.KeyCall?.Revoked ?? CancellationToken.None);

    /// <summary>Gives the model's slot back once the reply has ended; the rest is held until disposal.</summary>
    public void ReleaseModel()
    {
        if (Interlocked.Exchange(ref _modelReleased, 1) == 0)
        {
            Lease.Dispose();
        }
    }

    /// <summary>Step 11: settles the usage (whatever the reply became), then frees the slots.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ReleaseModel();
        _state.StreamSlot?.Dispose();
        _state.KeyCall?.Dispose();
        if (_state.Reservation is { } reservation)
        {
            var outcome = Outcome.Failure is not null ? "failed" : Outcome.Cancelled || Outcome.ShuttingDown ? "cancelled" : "complete";
            await _ledger.SettleAsync(reservation, new UsageRecord(
                Call.User.PartitionKey, reservation.Day, RequestId, Call.Route.Name, ModelUsed, Call.User.KeyId, Outcome.PromptTokens ?? 0, OutputTokens, outcome));
        }
    }
}
