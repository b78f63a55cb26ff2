using Api.Errors;

namespace Api.ModelCalls;

/// <summary>
/// One check or taking of the pipeline. Steps run in <see cref="Order"/>, cheapest first; the first refusal ends the
/// request, and what earlier steps took is given back. A step applies to every route: one that only concerns a user's
/// own requests says so by looking at <see cref="ModelRoute.UserRequest"/>, never at the route's name.
/// </summary>
public interface IModelCallStep
{
    int Order { get; }

    ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken);
}

/// <summary>The pipeline's steps in their fixed order (docs/architecture.md, "The path of a model request").</summary>
public static class StepOrder
{
    public const int Shutdown = 100;
    public const int Breaker = 200;
    public const int Shape = 300;
    public const int RequestCount = 400;
    public const int StreamSlot = 500;
    public const int Budget = 600;
    public const int Inspection = 700;
    public const int ToolSchemas = 750;
    public const int Context = 800;
    public const int FairAdmission = 900;
}
