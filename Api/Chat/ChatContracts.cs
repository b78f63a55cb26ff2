namespace Api.Chat;

/// <summary>The body of <c>POST /api/conversations/{id}/messages</c>.</summary>
/// <param name="Content">The user's message.</param>
/// <param name="Stream">Server-Sent Events (default) or one JSON reply.</param>
/// <param name="Temperature">Sampling temperature, capped by the server.</param>
/// <param name="MaxOutputTokens">Reply length cap, capped by the server.</param>
/// <param name="Model">One of the configured models (<c>GET /api/models</c>); the default model when omitted.</param>
public sealed record SendMessageRequest(string? Content, bool? Stream = null, double? Temperature = null, int? MaxOutputTokens = null, string? Model = null);

/// <summary>The body of <c>POST /api/conversations/{id}/regenerate</c>.</summary>
public sealed record RegenerateRequest(bool? Stream = null, double? Temperature = null, int? MaxOutputTokens = null, string? Model = null);
