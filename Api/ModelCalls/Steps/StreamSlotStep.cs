using Api.Errors;
using Api.Limits;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 5. One of the user's concurrent stream slots, held until the reply ends (the title of a reply rides on its slot);
/// with the shared store, taken in step 4's one call (<see cref="SharedModelGate"/>).
/// </summary>
public sealed class StreamSlotStep(UserRequestLimiter limiter) : IModelCallStep
{
    public int Order => StepOrder.StreamSlot;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (!state.Call.Route.HoldsStream || state.Gate is not null)
        {
            // Not the user's request, or taken in step 4's one call (SharedModelGate).
            return null;
        }

        state.StreamSlot = await limiter.TryStartStreamAsync(state.Call.User.PartitionKey, state.Limits.ConcurrentStreams);
        return state.StreamSlot is not null ? null : Refusal(state.Limits.ConcurrentStreams);
    }

    public static ApiError Refusal(int streams) =>
        ApiError.Of(ErrorCodes.ConcurrentStreams, $"You can have {streams} replies streaming at once; wait for one to finish.");
}
