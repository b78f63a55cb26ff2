using Microsoft.AspNetCore.Mvc;

namespace Api.Chat;

/// <summary>
/// The outcome of a turn's checks and limits: the turn, holding its slots, ready to stream; or why it was refused
/// (a problem with a stable code, and how long to wait when waiting helps). The endpoints turn a refusal into HTTP.
/// </summary>
public sealed record TurnAdmission(PreparedTurn? Turn, ProblemDetails? Problem, TimeSpan? RetryAfter)
{
    public static TurnAdmission Admitted(PreparedTurn turn) => new(turn, null, null);

    public static TurnAdmission Refused(ProblemDetails problem, TimeSpan? retryAfter) => new(null, problem, retryAfter);
}
