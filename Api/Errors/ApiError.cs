using System.Collections.Immutable;
using Microsoft.AspNetCore.Mvc;

namespace Api.Errors;

/// <summary>
/// One error as the API answers it: its kind from the catalogue, its own words, and what the kind leaves open (a wait
/// other than the default, the parameter at fault, what a stream's last event adds: the message id, whether text was
/// kept). Written as ProblemDetails on the API's routes and SSE events, OpenAI's way on <c>/v1</c>.
/// </summary>
public sealed record ApiError(ErrorKind Kind, string Detail)
{
    /// <summary>A wait other than the kind's default (the time to midnight UTC, a breaker's remaining open time).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The request parameter at fault, in the route's own terms (<c>messages[2].content</c>, <c>temperature</c>).</summary>
    public string? Param { get; init; }

    public ImmutableDictionary<string, object?> Extensions { get; init; } = ImmutableDictionary<string, object?>.Empty;

    public string Code => Kind.Code;

    public int Status => Kind.Status;

    /// <summary>How long to wait before sending again: only for a kind that waiting can help.</summary>
    public TimeSpan? Wait => Kind.Retryable ? RetryAfter ?? (Kind.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null) : null;

    public static ApiError Of(string code, string detail, TimeSpan? retryAfter = null, string? param = null) =>
        new(ErrorCatalogue.Get(code), detail) { RetryAfter = retryAfter, Param = param };

    public ApiError With(string key, object? value) => this with { Extensions = Extensions.SetItem(key, value) };

    /// <summary>Whole seconds, at least 1: <c>Retry-After</c> takes an integer.</summary>
    public static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    public ProblemDetails ToProblem()
    {
        var problem = new ProblemDetails
        {
            Status = Status,
            Title = Kind.Title,
            Detail = Detail,
            Type = $"https://httpstatuses.io/{Status}",
        };
        problem.Extensions["code"] = Code;
        if (Param is not null)
        {
            problem.Extensions["param"] = Param;
        }

        if (Wait is { } wait)
        {
            problem.Extensions["retryAfterSeconds"] = Seconds(wait);
        }

        foreach (var (key, value) in Extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    /// <summary>The error as an HTTP answer: ProblemDetails, with <c>Retry-After</c> when waiting helps.</summary>
    public IResult ToResult() => new ProblemResult(this);

    private sealed class ProblemResult(ApiError error) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>
    {
        private readonly ProblemDetails _problem = error.ToProblem();

        public int? StatusCode => error.Status;

        public ProblemDetails Value => _problem;

        object? IValueHttpResult.Value => _problem;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (error.Wait is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = Seconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return TypedResults.Problem(_problem).ExecuteAsync(httpContext);
        }
    }
}
