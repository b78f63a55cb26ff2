using Api.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Api.Infrastructure;

/// <summary>Errors of the catalogue as typed results, for the routes whose OpenAPI description names their answers.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult Of(ApiError error) => TypedResults.Problem(error.ToProblem());

    public static ProblemHttpResult NotFound(string what) => Of(ApiError.Of(ErrorCodes.NotFound, $"{what} does not exist."));

    public static ProblemHttpResult BadRequest(string detail, string code = ErrorCodes.InvalidRequest) => Of(ApiError.Of(code, detail));
}
