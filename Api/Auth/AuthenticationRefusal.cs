using Api.Errors;

namespace Api.Auth;

/// <summary>
/// A refusal decided while authenticating (an address past its failed-authentication limit) that the challenge writes
/// instead of a plain 401: in the route's own shape, OpenAI's on <c>/v1</c>, ProblemDetails elsewhere.
/// </summary>
public static class AuthenticationRefusal
{
    private static readonly object Key = new();

    public static void Set(HttpContext http, ApiError refusal) => http.Items[Key] = refusal;

    /// <summary>Writes the refusal set for this request, if any; null when there is none.</summary>
    public static Task? TryWriteAsync(HttpContext http) =>
        http.Items.TryGetValue(Key, out var value) && value is ApiError refusal
            ? (http.Request.Path.StartsWithSegments("/v1") ? OpenAiErrors.Result(refusal) : refusal.ToResult()).ExecuteAsync(http)
            : null;
}
