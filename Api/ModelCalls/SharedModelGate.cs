using Api.Conversations;
using Api.Errors;
using Api.Limits;
using Api.Llm;
using Api.ModelCalls.Steps;
using Api.Shared;
using Api.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Api.ModelCalls;

/// <summary>What step 4's one call to the shared store took for steps 4 to 6 (and 9, unless the store was away).</summary>
public sealed class GatePlan
{
    public bool CountRequest { get; init; }

    public bool TakeStream { get; init; }

    public bool Counted { get; set; }
}

/// <summary>
/// With the shared store, the user's request count (4), stream slot (5), token reservation (6) and fair admission (9)
/// are one script call (<c>Scripts/model-admit.lua</c>) made at step 4, which also reads the version of the
/// conversation the call continues (step 8 then knows whether its warm history is the stored one): one round trip before the model is called, the
/// parts in the pipeline's order, each given back when a later one refuses. Steps 5, 6 and 9 then find their part
/// done, and a refusal by step 7 or 8 gives back what the call took, as any refusal does. What the call took is held
/// and freed as the parts' own services hold theirs. While the store is away, steps 4 to 6 run on this replica (and 9
/// at its place).
/// </summary>
public sealed class SharedModelGate(
    SharedStore store,
    UserRequestLimiter limiter,
    UsageLedger ledger,
    UsageReservations reservations,
    GroupBudgets groups,
    LlmGateway gateway,
    ConversationVersions versions,
    TimeProvider time)
{
    private static readonly string Admit = StoreScripts.Load("model-admit.lua");

    /// <summary>Whether step 4 makes the one call now.</summary>
    public bool Active => store.Usable;

    /// <summary>Steps 4, 5, 6 and 9 in one call; steps 4 to 6 on this replica when the store turns out to be away.</summary>
    public async ValueTask<ApiError?> AdmitAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        var call = state.Call;
        var plan = state.Gate = new GatePlan { CountRequest = call.Route.UserRequest, TakeStream = call.Route.HoldsStream };
        var user = call.User.PartitionKey;
        var (backend, rejection) = gateway.Choose(call.Model);
        if (backend is null)
        {
            return rejection;
        }

        // The group budgets first: their reservations are scripts of their own (one per budgeted group).
        if (await BudgetStep.HoldGroupsAsync(state, groups, cancellationToken) is { } refused)
        {
            return refused;
        }

        var admission = backend.Admission;
        var shared = limiter.SharedNow;
        if (admission.SharedNow is not { } sharedAdmission || shared is null)
        {
            return await EachOnItsOwnAsync(state, cancellationToken);
        }

        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var options = state.Limits;
        // The store's own total counts; the ledger's row seeds it when the store has none.
        long? used = null;
        var requestId = $"{now.ToUnixTimeMilliseconds()}-{Guid.NewGuid():N}";
        var streamId = Guid.NewGuid().ToString("N");
        while (true)
        {
            var (ticket, admissionArguments) = admission.SharedArguments(user);
            var (reservationKeys, reservationArguments, reservationId) = reservations.SharedArguments(user, day, used, options.OutputTokensPerDay, state.OutputTokens);
            RedisKey[] versionKey = call.ConversationId is { } conversationId ? [versions.Key(user, conversationId)] : [];
            RedisKey[] keys = [SharedUserLimits.RequestsKey(user), SharedUserLimits.StreamsKey(user), .. reservationKeys, .. sharedAdmission.Keys, .. versionKey];
            RedisValue[] arguments =
            [
                now.ToUnixTimeMilliseconds(),
                Flag(plan.CountRequest && !plan.Counted), (long)TimeSpan.FromMinutes(1).TotalMilliseconds, options.RequestsPerMinute, requestId,
                Flag(plan.TakeStream), (long)SharedUserLimits.StreamLease.TotalMilliseconds, options.ConcurrentStreams, streamId,
                1, .. reservationArguments,
                .. admissionArguments,
            ];
            RedisResult[] answer;
            try
            {
                answer = (RedisResult[])(await store.Database.ScriptEvaluateAsync(Admit, keys, arguments))!;
            }
            catch (Exception ex) when (SharedStore.IsStoreFailure(ex))
            {
                store.Failed(ex, "admitting a model request");
                return await EachOnItsOwnAsync(state, cancellationToken);
            }

            plan.Counted |= plan.CountRequest;
            var (outcome, value) = ((int)answer[0], (long)answer[1]);
            switch (outcome)
            {
                case 2:
                    return RequestCountStep.Refusal(options.RequestsPerMinute, TimeSpan.FromMilliseconds(value));
                case 3:
                    return StreamSlotStep.Refusal(options.ConcurrentStreams);
                case 4:
                    return ledger.Exhausted(now, options.OutputTokensPerDay);
                case 5:
                    // Neither the store nor this replica knows the day's total: the ledger's row, then the call again.
                    used = await ledger.SeedAsync(user, day, cancellationToken);
                    continue;
                case 6:
                    return LlmGateway.Full(backend);
            }

            state.ConversationVersion = call.ConversationId is not null && answer.Length > 2 && (long)answer[2] >= 0 ? (long)answer[2] : null;
            state.StreamSlot = plan.TakeStream ? shared.Adopt(user, streamId) : null;
            state.Reservation = reservations.Adopt(user, day, reservationId, (int)value);
            state.OutputTokens = (int)value;

            var permit = outcome == 0 ? admission.Adopt(ticket, call.Route.MetricRoute) : await admission.WaitQueuedAsync(ticket, user, call.Route.MetricRoute, cancellationToken);
            if (permit is null)
            {
                return LlmGateway.Full(backend);
            }

            state.Lease = LlmGateway.Lease(backend, permit, user, call.Route.MetricRoute, gateway.Requested(call.Model));
            return null;
        }
    }

    /// <summary>The store went away: steps 4 to 6 as their own steps take them (this replica's counts), step 9 at its place.</summary>
    private async ValueTask<ApiError?> EachOnItsOwnAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        var plan = state.Gate!;
        var user = state.Call.User.PartitionKey;
        if (plan.CountRequest && !plan.Counted)
        {
            plan.Counted = true;
            var (allowed, wait) = await limiter.CountRequestAsync(user, state.Limits.RequestsPerMinute);
            if (!allowed)
            {
                return RequestCountStep.Refusal(state.Limits.RequestsPerMinute, wait);
            }
        }

        if (plan.TakeStream && (state.StreamSlot = await limiter.TryStartStreamAsync(user, state.Limits.ConcurrentStreams)) is null)
        {
            return StreamSlotStep.Refusal(state.Limits.ConcurrentStreams);
        }

        var (reservation, refusal) = await ledger.ReserveAsync(user, state.OutputTokens, cancellationToken, state.Limits.OutputTokensPerDay);
        if (reservation is null)
        {
            return refusal;
        }

        state.Reservation = reservation;
        state.OutputTokens = reservation.Tokens;
        return null;
    }

    private static int Flag(bool on) => on ? 1 : 0;
}
