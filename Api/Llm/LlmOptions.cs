using System.ComponentModel.DataAnnotations;

namespace Api.Llm;

/// <summary>Bound from <c>Llm</c>.</summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>
    /// The one model of an API started with no catalogue (a developer's own run, the benchmarks): a chat model named
    /// <c>chat</c>, whose connection string has that name.
    /// </summary>
    public const string SoleModelName = "chat";

    /// <summary>
    /// The model catalogue, by model id (<c>Llm:Models:&lt;name&gt;</c>), written by the AppHost from its declarations. Each
    /// model is served when its connection string (the same name) is present. Empty: one chat model, <c>chat</c>.
    /// </summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The catalogue in force: the configured one, or the sole default chat model.</summary>
    public IReadOnlyDictionary<string, ModelOptions> Catalogue => Models.Count > 0
        ? Models
        : new Dictionary<string, ModelOptions>(StringComparer.OrdinalIgnoreCase) { [SoleModelName] = new ModelOptions { Default = true } };

    [Required(AllowEmptyStrings = false)]
    public string SystemPrompt { get; set; } = "You are a helpful assistant.";

    /// <summary>Tokens of context sent to the model (system prompt, history, new message); oldest turns go first.</summary>
    [Range(256, 1_000_000)]
    public int ContextTokenBudget { get; set; } = 6_000;

    /// <summary>The most output tokens a request may ask for.</summary>
    [Range(16, 131_072)]
    public int MaxOutputTokensCap { get; set; } = 2_048;

    [Range(16, 131_072)]
    public int DefaultMaxOutputTokens { get; set; } = 1_024;

    [Range(0.0, 2.0)]
    public double MaxTemperature { get; set; } = 1.5;

    [Range(0.0, 2.0)]
    public double DefaultTemperature { get; set; } = 0.7;

    /// <summary>How long title generation may take before the plain fallback title is used.</summary>
    public TimeSpan TitleTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Set by the AppHost when it found no Ollama to wire (no container runtime, no <c>ollama</c> on PATH, no
    /// endpoint configured): the API then runs without an LLM and reports this reason.
    /// </summary>
    public string? UnavailableReason { get; set; }

    public LlmResilienceOptions Resilience { get; set; } = new();

    public LlmAdmissionOptions Admission { get; set; } = new();
}

/// <summary>Bound from <c>Llm:Resilience</c>: how long a stream may take, and when to stop calling a failing backend.</summary>
public sealed class LlmResilienceOptions
{
    /// <summary>The allowance for the first token: a cold model loads for tens of seconds, a large one for minutes.</summary>
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The longest silence between two tokens before the stream is given up.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a whole reply may stream.</summary>
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Consecutive failures that open the circuit breaker.</summary>
    [Range(1, 1_000)]
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long the breaker stays open before a probe may close it.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an open breaker's backend is probed.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Bound from <c>Llm:Admission</c>, per backend. A backend runs <see cref="SlotsPerServer"/> replies at once on each of
/// its model servers (Ollama's <c>OLLAMA_NUM_PARALLEL</c>); with the shared store that capacity holds for all API
/// replicas together, and requests beyond it wait in one queue, fair across users, instead of in Ollama's own.
/// </summary>
public sealed class LlmAdmissionOptions
{
    /// <summary>Replies one model server runs at once (<c>OLLAMA_NUM_PARALLEL</c>; the AppHost sets it from the same value).</summary>
    [Range(1, 10_000)]
    public int SlotsPerServer { get; set; } = 4;

    /// <summary>Model servers per backend when no host name is given to count them by.</summary>
    [Range(1, 1_000)]
    public int Servers { get; set; } = 1;

    /// <summary>Per model: a host name whose addresses are the model's servers (a headless Service).</summary>
    public Dictionary<string, string> ServerHosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The queue for the whole backend (each replica's share of it while the store is away).</summary>
    [Range(0, 10_000)]
    public int MaxQueue { get; set; } = 64;

    /// <summary>
    /// The most requests one user may have waiting in the backend's queue (issue 30, finding 15): past it their next one
    /// is refused as the full queue is (429), so a few users cannot fill the queue for everyone. Fair queuing orders what
    /// waits; this bounds how much of it one user holds. Each replica's share of it while the store is away.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxQueuedPerUser { get; set; } = 16;

    /// <summary>How long a queued request waits for a slot before it is turned away (429).</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The API replicas that share the capacity while the store is away (each admits its share on its own).</summary>
    [Range(1, 1_000)]
    public int ApiReplicas { get; set; } = 1;

    /// <summary>The same options for a model whose servers run <paramref name="slots"/> replies at once.</summary>
    public LlmAdmissionOptions WithSlotsPerServer(int slots) => new()
    {
        SlotsPerServer = slots,
        Servers = Servers,
        ServerHosts = ServerHosts,
        MaxQueue = MaxQueue,
        MaxQueuedPerUser = MaxQueuedPerUser,
        QueueTimeout = QueueTimeout,
        ApiReplicas = ApiReplicas,
    };
}
