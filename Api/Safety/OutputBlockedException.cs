namespace Api.Safety;

/// <summary>The leak guard stopped the reply.</summary>
public sealed class OutputBlockedException(LeakKind kind) : Exception($"The reply was stopped: {kind}.")
{
    public LeakKind Kind { get; } = kind;
}
