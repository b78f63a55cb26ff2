namespace Api.Llm;

/// <summary>The body of <c>GET /api/status</c>.</summary>
/// <param name="Llm"><c>available</c>, <c>degraded</c> or <c>unavailable</c>.</param>
/// <param name="Reason">Why it is not plainly available, in words a user understands.</param>
/// <param name="Model">The model answering now.</param>
public sealed record StatusDto(string Llm, string? Reason, string? Model, DateTimeOffset CheckedAt);

/// <summary>A model's queue at one moment: slots held, requests waiting, capacity, and the expected wait in seconds (null: not known yet).</summary>
public sealed record AdmissionSnapshot(int InFlight, int Queued, int Capacity, double? ExpectedWaitSeconds);

/// <summary>One entry of <c>GET /api/models</c>: a model the caller may use, and its live state.</summary>
/// <param name="Name">The model's id, to name it in requests.</param>
/// <param name="Tag">The Ollama tag it runs.</param>
/// <param name="Kind"><c>chat</c> or <c>embedding</c>.</param>
/// <param name="IsDefault">Used when a chat request names no model.</param>
/// <param name="Loaded">In memory on the server now (<c>/api/ps</c>): false means cold, the first reply loads it.</param>
/// <param name="Processor"><c>gpu</c>, <c>cpu</c>, <c>mixed</c>, or <c>null</c> when not loaded or unknown.</param>
/// <param name="Fallback">The model that answers while this one cannot.</param>
/// <param name="Queue">Its admission queue now, on every replica.</param>
public sealed record ModelDto(string Name, string Tag, string Kind, bool IsDefault, bool Tools, string? Description, bool Reachable, bool Loaded, string? Processor, long? SizeVramBytes, DateTimeOffset? ExpiresAt, string? Fallback, AdmissionSnapshot Queue);

/// <summary>The body of <c>GET /api/models</c>.</summary>
public sealed record ModelsDto(IReadOnlyList<ModelDto> Models, string? Error);
