using Api.Errors;
using Api.Limits;
using Microsoft.Extensions.Options;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 4. The user's requests per minute, on every replica at once: every request that gets here counts, the ones a later
/// step refuses too, so a caller cannot make the server work on refusals for free. The API's own requests on the
/// user's behalf (a title) are not the user's and do not count.
/// </summary>
public sealed class RequestCountStep(UserRequestLimiter limiter, IOptions<UserLimitsOptions> limits) : IModelCallStep
{
    public int Order => StepOrder.RequestCount;

    public async ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (!state.Call.Route.UserRequest)
        {
            return null;
        }

        var (allowed, wait) = await limiter.CountRequestAsync(state.Call.User.PartitionKey);
        return allowed ? null : ApiError.Of(ErrorCodes.RequestsPerMinute, $"You can send {limits.Value.RequestsPerMinute} requests a minute.", wait);
    }
}
