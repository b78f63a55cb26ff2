using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Api.Infrastructure;

/// <summary>ProblemDetails for every error the API returns, with <c>Retry-After</c> where a retry makes sense.</summary>
public static class ApiProblems
{
    public static ProblemDetails Create(int status, string title, string detail, string? code = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = $"https://httpstatuses.io/{status}",
        };
        if (code is not null)
        {
            problem.Extensions["code"] = code;
        }

        return problem;
    }

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(Create(StatusCodes.Status404NotFound, "Not found", $"{what} does not exist.", "not_found"));

    public static ProblemHttpResult BadRequest(string detail, string code = "invalid_request") =>
        TypedResults.Problem(Create(StatusCodes.Status400BadRequest, "Invalid request", detail, code));

    public static ProblemHttpResult TooLarge(string detail, string code = "too_large") =>
        TypedResults.Problem(Create(StatusCodes.Status413PayloadTooLarge, "Request too large", detail, code));

    public static IResult WithRetryAfter(ProblemDetails problem, TimeSpan? retryAfter) => new RetryAfterProblemResult(problem, retryAfter);

    /// <summary>Whole seconds, at least 1: <c>Retry-After</c> takes an integer.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    private sealed class RetryAfterProblemResult(ProblemDetails problem, TimeSpan? retryAfter) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>
    {
        public int? StatusCode => problem.Status;

        public ProblemDetails Value => problem;

        object? IValueHttpResult.Value => problem;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } delay)
            {
                httpContext.Response.Headers.RetryAfter = RetryAfterSeconds(delay).ToString(System.Globalization.CultureInfo.InvariantCulture);
                problem.Extensions["retryAfterSeconds"] = RetryAfterSeconds(delay);
            }

            return TypedResults.Problem(problem).ExecuteAsync(httpContext);
        }
    }
}
