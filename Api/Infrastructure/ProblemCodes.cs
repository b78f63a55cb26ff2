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

    /// <summary>The catalogue's code for an error that names none.</summary>
    public static string ForStatus(int status) => Errors.ErrorCatalogue.ForStatus(status).Code;

    private static string ForBadRequest(BadHttpRequestException bad, int status) => bad switch
    {
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => Errors.ErrorCodes.RequestTooLarge,
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } => Errors.ErrorCodes.UnsupportedMediaType,
        { InnerException: JsonException } => Errors.ErrorCodes.InvalidJson,
        _ when bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) => Errors.ErrorCodes.InvalidParameter,
        _ when bad.Message.StartsWith("Required parameter", StringComparison.Ordinal) => Errors.ErrorCodes.MissingParameter,
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
