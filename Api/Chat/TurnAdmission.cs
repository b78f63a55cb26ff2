using Api.Errors;

namespace Api.Chat;

/// <summary>A chat turn admitted by the model pipeline (holding its slots, ready to stream), or the error it was refused with.</summary>
public sealed record TurnAdmission(PreparedTurn? Turn, ApiError? Refusal)
{
    public static TurnAdmission Admitted(PreparedTurn turn) => new(turn, null);

    public static TurnAdmission Refused(ApiError refusal) => new(null, refusal);
}
