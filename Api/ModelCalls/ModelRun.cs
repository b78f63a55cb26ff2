using System.Runtime.CompilerServices;
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
    private CancellationTokenSource _call = new();
    private IAsyncEnumerator<string>? _upstream;
    private Task<bool>? _first;

    internal ModelRun(ModelCallState state, GuardedReplyReader reader, UsageLedger ledger)
    {
        _state = state;
        _reader = reader;
        _ledger = ledger;
        Request = NewRequest(state);
    }

    private static LlmRequest NewRequest(ModelCallState state) =>
        new(state.ModelMessages, state.Model, state.Temperature, state.OutputTokens, state.Call.Stream, ToolsOffered(state.Call, state.Tools));

    /// <summary>
    /// The tools the model is shown: none under <c>tool_choice: none</c>, only the named one under a named choice. Ollama
    /// has no <c>tool_choice</c> of its own; <c>required</c> and a named choice are also said in the context's instructions.
    /// </summary>
    private static IReadOnlyList<ToolDefinition>? ToolsOffered(ModelCall call, IReadOnlyList<ToolDefinition>? cleaned) => cleaned is not { Count: > 0 } tools ? null : call.ToolChoice.Mode switch
    {
        ToolChoiceMode.None => null,
        ToolChoiceMode.Function => [.. tools.Where(t => t.Name == call.ToolChoice.Function)],
        _ => tools,
    };

    public string RequestId => _state.RequestId;

    public ModelCall Call => _state.Call;

    public LlmRequest Request { get; private set; }

    public LlmLease Lease => _state.Lease!;

    public bool InjectionFlagged => _state.InjectionFlagged;

    /// <summary>The caller's messages as cleaned by the pipeline.</summary>
    public IReadOnlyList<Api.ModelCalls.CallerMessage> Cleaned => _state.Cleaned;

    /// <summary>How the reply went: its text, tokens, timings and end; filled while it streams.</summary>
    public ReplyOutcome Outcome { get; private set; } = new();

    /// <summary>The id of the model that answered: the fallback's own when it took over.</summary>
    public string ModelUsed => Lease.Backend.Name;

    /// <summary>The reply's output tokens (<see cref="ReplyOutcome.OutputTokens"/>), zero when nothing came.</summary>
    public int OutputTokens => Outcome.OutputTokens ?? 0;

    /// <summary>
    /// Calls the model now, before the route reads the reply: the deferred checks answer while it works on its first
    /// token. Nothing it sends reaches anyone until <see cref="StreamAsync"/> reads it.
    /// </summary>
    internal void Start()
    {
        if (_upstream is not null)
        {
            return;
        }

        _upstream = _reader.ReadAsync(Lease, Request, Outcome, Call.User.Id, Call.Where, _call.Token, _state.KeyCall?.Revoked ?? CancellationToken.None)
            .GetAsyncEnumerator(_call.Token);
        _first = _upstream.MoveNextAsync().AsTask();
    }

    /// <summary>The call started on an old context is dropped unread and the model asked again with the new one.</summary>
    internal async Task RestartAsync()
    {
        await StopAsync();
        _call = new CancellationTokenSource();
        Outcome = new ReplyOutcome();
        Request = NewRequest(_state);
        Start();
    }

    /// <summary>Drops a started call unread (a deferred check refused, or the context changed).</summary>
    internal async Task StopAsync()
    {
        if (_upstream is not { } upstream)
        {
            return;
        }

        await _call.CancelAsync();
        try
        {
            await _first!;
        }
        catch (Exception)
        {
            // Whatever the dropped call became, nobody reads it.
        }

        await upstream.DisposeAsync();
        _call.Dispose();
        _upstream = null;
        _first = null;
    }

    /// <summary>Step 10: the reply's safe text as it comes (from the call already started, if it was); <see cref="Outcome"/> says how it ended.</summary>
    public async IAsyncEnumerable<string> StreamAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        Start();
        var call = _call;
        using var stop = cancellation.Register(static c => ((CancellationTokenSource)c!).Cancel(), call);
        var upstream = _upstream!;
        try
        {
            var more = await _first!;
            while (more)
            {
                yield return upstream.Current;
                more = await upstream.MoveNextAsync();
            }
        }
        finally
        {
            await upstream.DisposeAsync();
        }
    }

    /// <summary>A call that is not a chat (embeddings), made by its route on <see cref="Lease"/>: what it read and how it ended, for step 11.</summary>
    public void Record(int promptTokens, Exception? failure)
    {
        Outcome.PromptTokens = promptTokens;
        Outcome.FirstToken ??= Outcome.Stopwatch.Elapsed;
        Outcome.Failure = failure;
    }

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

        await StopAsync();
        ReleaseModel();
        _state.StreamSlot?.Dispose();
        _state.KeyCall?.Dispose();
        if (_state.Reservation is { } reservation)
        {
            var outcome = Outcome.Failure is not null ? "failed" : Outcome.Cancelled || Outcome.ShuttingDown ? "cancelled" : "complete";
            var generation = Outcome.Stopwatch.Elapsed;
            var backend = Lease.Backend;
            await _ledger.SettleAsync(reservation, new UsageRecord(
                Call.User.PartitionKey, reservation.Day, RequestId, Call.Route.Name, ModelUsed, Call.User.KeyId, Outcome.PromptTokens ?? 0, OutputTokens, outcome)
            {
                UserId = Call.User.Id,
                Groups = Call.User.Groups,
                AdmissionWaitMs = (long)_state.AdmissionWait.TotalMilliseconds,
                GenerationMs = (long)generation.TotalMilliseconds,
                // A GPU server's time is shared by its slots: a reply holds one of them.
                GpuMs = backend.Options.Pool == ModelPool.Gpu ? (long)(generation.TotalMilliseconds / Math.Max(1, backend.Admission.SlotsPerServer)) : 0,
            });
        }

        if (_state.GroupHold is { } groups)
        {
            await groups.SettleAsync(OutputTokens);
        }

        if (_state.EmbeddingHold is { } embedding)
        {
            // What the model read: nothing when the call failed before it answered.
            await embedding.SettleAsync(Outcome.PromptTokens ?? 0);
        }
    }
}
