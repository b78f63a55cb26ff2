using Api.Errors;
using Api.Limits;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 4. The user's requests per minute, on every replica at once: every request that gets here counts, the ones a later
/// step refuses too, so a caller cannot make the server work on refusals for free. The API's own requests on the
/// user's behalf (a title) are not the user's and do not count. With the shared store, steps 4, 5, 6 and 9 are one call
/// made here (<see cref="SharedModelGate"/>).
/// </summary>
public sealed class RequestCountStep(UserRequestLimiter limiter, SharedModelGate gate) : IModelCallStep
{
    public int Order => StepOrder.RequestCount;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (gate.Active)
        {
            return await gate.AdmitAsync(state, cancellationToken);
        }

        if (!state.Call.Route.UserRequest)
        {
            return null;
        }

        var (allowed, wait) = await limiter.CountRequestAsync(state.Call.User.PartitionKey, state.Limits.RequestsPerMinute);
        return allowed ? null : Refusal(state.Limits.RequestsPerMinute, wait);
    }

    public static ApiError Refusal(int perMinute, TimeSpan wait) =>
        ApiError.Of(ErrorCodes.RequestsPerMinute, $"You can send {perMinute} requests a minute.", wait);
}
