namespace Api.Llm;

/// <summary>A slot on a backend for one reply. Disposing it frees the slot.</summary>
public sealed class LlmLease(LlmBackend backend, IDisposable permit, string user, LlmBackend? requested = null) : IDisposable
{
    private IDisposable _permit = permit;

    /// <summary>Whose reply it is: the fair queue of a fallback taking over counts it for the same user.</summary>
    public string User { get; } = user;

    /// <summary>The route the reply came through (the gauges' <c>route</c> tag).</summary>
    public string Route { get; init; } = LlmMetricNames.ChatRoute;

    /// <summary>The backend serving the reply; it changes when the requested model fails before the first token and its fallback takes over.</summary>
    public LlmBackend Backend { get; private set; } = backend;

    /// <summary>The model the caller asked for (or the default); <see cref="Backend"/> is its fallback when that serves.</summary>
    public LlmBackend Requested { get; } = requested ?? backend;

    /// <summary>The reply comes from the requested model's fallback (it was unavailable, or failed before its first token).</summary>
    public bool FellBack => Backend != Requested;

    internal void SwitchTo(LlmBackend backend, IDisposable permit)
    {
        _permit.Dispose();
        _permit = permit;
        Backend = backend;
    }

    public void Dispose() => _permit.Dispose();
}
