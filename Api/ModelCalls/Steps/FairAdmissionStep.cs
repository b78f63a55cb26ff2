using Api.Errors;
using Api.Llm;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 9. A slot on a model backend, in the fair queue shared by every replica (each user's turn in rotation), or refused
/// at capacity; with the shared store, taken in step 4's one call with steps 4 to 6 (<see cref="SharedModelGate"/>).
/// </summary>
public sealed class FairAdmissionStep(LlmGateway gateway) : IModelCallStep
{
    public int Order => StepOrder.FairAdmission;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (state.Lease is not null)
        {
            // Taken in step 4's one call (SharedModelGate).
            return null;
        }

        var (lease, rejection) = await gateway.AdmitAsync(state.Call.Model, state.Call.User.PartitionKey, cancellationToken, state.Call.Route.MetricRoute);
        if (rejection is not null)
        {
            return ApiError.Of(rejection.Code, rejection.Detail, rejection.RetryAfter);
        }

        state.Lease = lease;
        return null;
    }
}
