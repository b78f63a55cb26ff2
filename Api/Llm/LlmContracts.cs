namespace Api.Llm;

/// <summary>The body of <c>GET /api/status</c>.</summary>
/// <param name="Llm"><c>available</c>, <c>degraded</c> or <c>unavailable</c>.</param>
/// <param name="Reason">Why it is not plainly available, in words a user understands.</param>
/// <param name="Model">The model answering now.</param>
public sealed record StatusDto(string Llm, string? Reason, string? Model, DateTimeOffset CheckedAt);

/// <summary>One entry of <c>GET /api/models</c>.</summary>
/// <param name="Name">The model name and tag.</param>
/// <param name="IsDefault">Used when a request names no model.</param>
/// <param name="Loaded">In memory on the server now (<c>/api/ps</c>).</param>
/// <param name="Processor"><c>gpu</c>, <c>cpu</c>, <c>mixed</c>, or <c>null</c> when not loaded or unknown.</param>
/// <param name="IsFallback">Serves only while the primary model is unavailable.</param>
public sealed record ModelDto(string Name, bool IsDefault, bool Loaded, string? Processor, long? SizeVramBytes, DateTimeOffset? ExpiresAt, bool IsFallback);

/// <summary>The body of <c>GET /api/models</c>.</summary>
public sealed record ModelsDto(IReadOnlyList<ModelDto> Models, string? Error);
