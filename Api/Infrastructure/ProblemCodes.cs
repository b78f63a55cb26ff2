using System.Text.Json;

namespace Api.Infrastructure;

/// <summary>
/// Every error response carries a stable <c>code</c>, including the ones ASP.NET Core writes itself (a body that does
/// not parse, a parameter that does not bind, a route that does not match, a body too large): the endpoints name
/// theirs; anything without one gets the code of what happened, or of its status.
/// </summary>
public static class ProblemCodes
{
    public static void AddCode(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProblemDetails.Extensions.ContainsKey("code"))
        {
            return;
        }

        var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
        context.ProblemDetails.Extensions["code"] = context.Exception is BadHttpRequestException bad ? ForBadRequest(bad, status) : ForStatus(status);
    }

    public static string ForStatus(int status) => status switch
    {
        400 => "invalid_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        408 => "request_timeout",
        409 => "conflict",
        413 => "request_too_large",
        415 => "unsupported_media_type",
        429 => "too_many_requests",
        431 => "headers_too_large",
        503 => "unavailable",
        >= 500 => "internal_error",
        _ => "error",
    };

    private static string ForBadRequest(BadHttpRequestException bad, int status) => bad switch
    {
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => "request_too_large",
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } => "unsupported_media_type",
        { InnerException: JsonException } => "invalid_json",
        _ when bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) => "invalid_parameter",
        _ when bad.Message.StartsWith("Required parameter", StringComparison.Ordinal) => "missing_parameter",
        _ => ForStatus(status),
    };

    /// <summary>The statuses the framework answers with by itself.</summary>
    public static int StatusOf(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when StorageFailures.IsUnavailable(exception) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
