using Api.Errors;
using Api.Usage;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 6. The output tokens the reply may use, reserved against the user's day on every replica at once; the reply's cap
/// comes down to what is left of the day, so parallel streams cannot carry the user past the quota. With the shared
/// store it is reserved in step 4's one call (<see cref="SharedModelGate"/>). An embedding request also holds its
/// inputs' tokens against the user's daily embedding budget (<see cref="EmbeddingBudget"/>).
/// </summary>
public sealed class BudgetStep(UsageLedger ledger, GroupBudgets groups, EmbeddingBudget embeddings) : IModelCallStep
{
    public int Order => StepOrder.Budget;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (state.Call.Route.Kind == Llm.ModelKind.Embedding && state.EmbeddingHold is null)
        {
            var inputs = state.Call.Messages.Sum(m => Llm.TokenEstimator.Estimate(m.Text) + 1);
            var (hold, overBudget) = await embeddings.ReserveAsync(state.Call.User.PartitionKey, inputs, cancellationToken);
            if (hold is null)
            {
                return overBudget;
            }

            state.EmbeddingHold = hold;
        }

        if (state.Gate is not null)
        {
            // Reserved in step 4's one call (SharedModelGate).
            return null;
        }

        if (await HoldGroupsAsync(state, groups, cancellationToken) is { } refused)
        {
            return refused;
        }

        var (reservation, refusal) = await ledger.ReserveAsync(state.Call.User.PartitionKey, state.OutputTokens, cancellationToken, state.Limits.OutputTokensPerDay);
        if (reservation is null)
        {
            return refusal;
        }

        state.Reservation = reservation;
        state.OutputTokens = reservation.Tokens;
        return null;
    }

    /// <summary>The budgets of the caller's groups, held first (once): the reply's cap comes down to what the tightest one has left.</summary>
    public static async ValueTask<ApiError?> HoldGroupsAsync(ModelCallState state, GroupBudgets groups, CancellationToken cancellationToken)
    {
        if (state.GroupHold is not null || state.Limits.GroupBudgets.Count == 0)
        {
            return null;
        }

        var (hold, tokens, refusal) = await groups.ReserveAsync(state.Limits.GroupBudgets, state.OutputTokens, cancellationToken);
        if (hold is null)
        {
            return refusal;
        }

        state.GroupHold = hold;
        state.OutputTokens = tokens;
        return null;
    }
}
