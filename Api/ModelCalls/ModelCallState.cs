using Api.Errors;
using Api.Llm;
using Api.Usage;
using Microsoft.Extensions.AI;

namespace Api.ModelCalls;

/// <summary>What the pipeline's steps learn and take for one request, in their order; released whole if a step refuses.</summary>
public sealed class ModelCallState(ModelCall call, string requestId)
{
    public ModelCall Call { get; } = call;

    /// <summary>The request's id, also its row in the usage ledger.</summary>
    public string RequestId { get; } = requestId;

    /// <summary>The model that will be asked (the caller's, or the default).</summary>
    public string Model { get; set; } = string.Empty;

    public float Temperature { get; set; }

    /// <summary>The most the reply may generate: the caller's cap within the server's, within what is left of the user's day.</summary>
    public int OutputTokens { get; set; }

    public IDisposable? StreamSlot { get; set; }

    public UsageReservation? Reservation { get; set; }

    /// <summary>The caller's limits: their quotas' (an admin's, per user and group), else the defaults.</summary>
    public Limits.EffectiveLimits Limits { get; set; } = null!;

    /// <summary>An embedding request's input tokens, held against the user's daily embedding budget.</summary>
    public UsageReservation? EmbeddingHold { get; set; }

    /// <summary>The tokens held against the budgets of the caller's groups (none when no group of theirs has one).</summary>
    public GroupHold? GroupHold { get; set; }

    /// <summary>The caller's messages as cleaned (invisible and control characters removed), in order.</summary>
    public IReadOnlyList<CallerMessage> Cleaned { get; set; } = [];

    /// <summary>The caller's tools as cleaned (their descriptions and schemas' strings), or the caller's until step 7 ran.</summary>
    public IReadOnlyList<ToolDefinition>? Tools
    {
        get => _tools ?? Call.Tools;
        set => _tools = value;
    }

    private IReadOnlyList<ToolDefinition>? _tools;

    /// <summary>The injection detector matched (policy Flag): the model gets the reminder after the messages.</summary>
    public bool InjectionFlagged { get; set; }

    public IReadOnlyList<ChatMessage> ModelMessages { get; set; } = [];

    public LlmLease? Lease { get; set; }

    /// <summary>From the request's first step until it held its model slot: the wait the usage ledger records.</summary>
    public TimeSpan AdmissionWait { get; set; }

    /// <summary>Steps 4 to 6's parts left to step 9's one call to the shared store (<see cref="SharedModelGate"/>); null without the store.</summary>
    public GatePlan? Gate { get; set; }

    /// <summary>
    /// The conversation's version the shared store held when step 4's one call ran (<see cref="ModelCall.ConversationId"/>);
    /// null without the store, or when it held none.
    /// </summary>
    public long? ConversationVersion { get; set; }

    /// <summary>
    /// Checks that answer while the model call is in flight (a warm conversation's version): the first token is held
    /// until every one has answered, and dropped, with the first refusal, if one refuses.
    /// </summary>
    public IReadOnlyList<Task<ApiError?>> Deferred => _deferred;

    /// <summary>A deferred check made the model's messages again (the history had moved): the model is asked again.</summary>
    public bool ContextChanged { get; set; }

    private readonly List<Task<ApiError?>> _deferred = [];

    public void Defer(Task<ApiError?> check) => _deferred.Add(check);

    /// <summary>For a request signed in with a key: cancelled when the key is revoked.</summary>
    public Keys.RunningKeyCalls.Registration? KeyCall { get; set; }
}
