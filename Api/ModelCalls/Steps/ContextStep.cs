using Api.Errors;
using Api.Llm;
using Microsoft.Extensions.Options;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 8. The model's context, made by the route (<see cref="IModelContext"/>: history, our system prompt, the caller's
/// messages), then held to the context budget with the reply's output cap: whatever the route made must fit.
/// </summary>
public sealed class ContextStep(IOptions<LlmOptions> llm) : IModelCallStep
{
    public int Order => StepOrder.Context;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (await state.Call.Context.BuildAsync(state, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var budget = llm.Value.ContextTokenBudget;
        // The tools' definitions and the calls' arguments are part of the prompt the model reads.
        var needed = state.ModelMessages.Sum(TokenEstimator.EstimateMessage) + state.OutputTokens + TokenEstimator.EstimateTools(state.Tools);
        return needed > budget ? ShapeStep.ContextTooLong(budget, needed, state.Call.Params.Messages) : null;
    }
}
