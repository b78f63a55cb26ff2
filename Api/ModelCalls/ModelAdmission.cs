using Api.Errors;

namespace Api.ModelCalls;

/// <summary>The pipeline's answer: the request admitted (a run holding its slots and reservation), or the error it was refused with.</summary>
public sealed record ModelAdmission(ModelRun? Run, ApiError? Refusal)
{
    public static ModelAdmission Admitted(ModelRun run) => new(run, null);

    public static ModelAdmission Refused(ApiError refusal) => new(null, refusal);
}
