using Api.Errors;
using Api.Usage;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 6. The output tokens the reply may use, reserved against the user's day on every replica at once; the reply's cap
/// comes down to what is left of the day, so parallel streams cannot carry the user past the quota. With the shared
/// store it is reserved in step 9's one call (<see cref="SharedModelGate"/>).
/// </summary>
public sealed class BudgetStep(UsageLedger ledger, SharedModelGate gate) : IModelCallStep
{
    public int Order => StepOrder.Budget;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (gate.Active)
        {
            // Reserved in step 9's one call; the context is made for the whole cap meanwhile (what is left can only be less).
            SharedModelGate.Plan(state).Reserve = true;
            return null;
        }

        var (reservation, refusal) = await ledger.ReserveAsync(state.Call.User.PartitionKey, state.OutputTokens, cancellationToken);
        if (reservation is null)
        {
            return refusal;
        }

        state.Reservation = reservation;
        state.OutputTokens = reservation.Tokens;
        return null;
    }
}
