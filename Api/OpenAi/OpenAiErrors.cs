using System.Globalization;
using System.Text.Json;
using Api.Chat;

namespace Api.OpenAi;

/// <summary>Errors OpenAI's way: <c>{"error": {...}}</c> with the matching status, and <c>Retry-After</c> when there is a wait.</summary>
public static class OpenAiErrors
{
    /// <summary>
    /// The route's JSON: property names as the contracts spell them, and text as UTF-8 (as OpenAI writes it, and as
    /// ASP.NET Core's own API options do): escaping every non-ASCII character would cost six bytes each.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = null,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>OpenAI's error type for a status.</summary>
    public static string TypeFor(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "invalid_request_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    public static CompletionError From(GateRefusal refusal) =>
        new(refusal.Status, TypeFor(refusal.Status), refusal.Code, null, refusal.Detail, refusal.RetryAfter);

    public static IResult Result(CompletionError error) => new ErrorResult(error);

    public static OpenAiErrorBody Body(CompletionError error) => new(new OpenAiError(error.Message, error.Type, error.Param, error.Code));

    /// <summary>Writes an error for a status the framework set (401, 403, 404, 405, 413, ...), OpenAI-shaped.</summary>
    public static Task WriteStatusAsync(HttpContext context, string message)
    {
        var status = context.Response.StatusCode;
        var code = status switch
        {
            401 => "invalid_api_key",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            413 => "request_too_large",
            _ => Infrastructure.ProblemCodes.ForStatus(status),
        };
        return context.Response.WriteAsJsonAsync(Body(new CompletionError(status, TypeFor(status), code, null, message)), Json);
    }

    private sealed class ErrorResult(CompletionError error) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = error.Status;
            if (error.RetryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await httpContext.Response.WriteAsJsonAsync(Body(error), Json);
        }
    }
}
