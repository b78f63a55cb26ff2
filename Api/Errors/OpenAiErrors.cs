using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Api.Errors;

namespace Api.Errors;

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

    public static IResult Result(ApiError error) => new ErrorResult(error);

    /// <summary>OpenAI's error object: the error's own words, the catalogue's OpenAI type, the parameter at fault, the code.</summary>
    public static OpenAiErrorBody Body(ApiError error) => new(new OpenAiError(error.Detail, error.Kind.OpenAiType, error.Param, error.Code));

    /// <summary>Writes an error for a status the framework set (401, 403, 404, 405, 413, ...), OpenAI-shaped.</summary>
    public static Task WriteStatusAsync(HttpContext context, string message)
    {
        var status = context.Response.StatusCode;
        var kind = status == StatusCodes.Status401Unauthorized ? ErrorCatalogue.Get(ErrorCodes.InvalidApiKey) : ErrorCatalogue.ForStatus(status);
        return context.Response.WriteAsJsonAsync(Body(new ApiError(kind, message)), Json);
    }

    private sealed class ErrorResult(ApiError error) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = error.Status;
            if (error.Wait is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = ApiError.Seconds(wait).ToString(CultureInfo.InvariantCulture);
            }

            await httpContext.Response.WriteAsJsonAsync(Body(error), Json);
        }
    }
}

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiErrorBody([property: JsonPropertyName("error")] OpenAiError Error);

public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
