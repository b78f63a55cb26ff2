using Api.Errors;
using Api.Llm;

namespace Api.ModelCalls.Steps;

/// <summary>2. Every backend that could serve the model is failing (its breaker open): refused before any I/O.</summary>
public sealed class BreakerStep(LlmGateway gateway) : IModelCallStep
{
    public int Order => StepOrder.Breaker;

    public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken) =>
        ValueTask.FromResult(gateway.RefuseWhileOpen(state.Call.Model) is { } open ? ApiError.Of(ErrorCodes.LlmUnavailable, open.Detail, open.RetryAfter) : null);
}
