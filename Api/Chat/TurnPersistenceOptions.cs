using System.ComponentModel.DataAnnotations;

namespace Api.Chat;

/// <summary>Bound from <c>Chat:Persistence</c>: what happens to a finished turn the store cannot take.</summary>
public sealed class TurnPersistenceOptions
{
    public const string SectionName = "Chat:Persistence";

    /// <summary>How long the write of a turn may take before the turn goes to the outbox.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Turns kept in memory for a later write while the store is unreachable; beyond this they are reported lost.</summary>
    [Range(0, 100_000)]
    public int OutboxCapacity { get; set; } = 1_000;

    /// <summary>How long the outbox keeps trying one turn.</summary>
    public TimeSpan OutboxMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest wait between two tries of an outbox write.</summary>
    public TimeSpan OutboxMaxDelay { get; set; } = TimeSpan.FromSeconds(10);
}
