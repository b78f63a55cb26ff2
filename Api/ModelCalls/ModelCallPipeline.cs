using Api.Errors;
using Api.Infrastructure;
using Api.Llm;
using Api.Streaming;
using Api.Usage;

namespace Api.ModelCalls;

/// <summary>
/// The one path every model request takes, whatever its route (chat, regenerate, title, <c>/v1</c>): the steps in
/// their fixed order, cheapest first (1 shutdown, 2 breaker, 3 size and shape, 4 the per-user request count, 5 the
/// stream slot, 6 the budget reservation, 7 cleaning and inspection, 8 the context budget, 9 fair admission), then
/// the stream (10) and the settled usage (11) on the <see cref="ModelRun"/>. The first refusal ends the request: what
/// earlier steps took is given back, and the refusal is counted once, by its catalogue reason and route.
/// docs/architecture.md maps the whole path.
/// </summary>
public sealed class ModelCallPipeline(IEnumerable<IModelCallStep> steps, GuardedReplyReader reader, UsageLedger ledger, Keys.RunningKeyCalls keyCalls, LlmMetrics metrics, Limits.QuotaBook quotas, TimeProvider time)
{
    private readonly IModelCallStep[] _steps = [.. steps.OrderBy(s => s.Order)];

    public async Task<ModelAdmission> AdmitAsync(ModelCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var state = new ModelCallState(call, Guid.CreateVersion7(time.GetUtcNow()).ToString("N")) { Limits = quotas.For(call.User.Id, call.User.Groups) };
        foreach (var check in call.Checks)
        {
            state.Defer(check);
        }

        var admitted = false;
        var started = time.GetTimestamp();
        ModelRun? run = null;
        try
        {
            foreach (var step in _steps)
            {
                ApiError? refusal;
                try
                {
                    refusal = await step.RunAsync(state, cancellationToken);
                }
                catch (Exception ex) when (StorageFailures.IsUnavailable(ex))
                {
                    refusal = StorageFailures.Error();
                }

                if (refusal is not null)
                {
                    metrics.Rejected(refusal.Kind.MetricReason, call.Route.Name);
                    return ModelAdmission.Refused(refusal);
                }
            }

            state.AdmissionWait = time.GetElapsedTime(started);
            metrics.Admitted(state.AdmissionWait, state.Lease!.Backend.Name, call.Route.MetricRoute);

            if (call.User.KeyId is { } keyId)
            {
                state.KeyCall = keyCalls.Register(call.User.PartitionKey, keyId);
            }

            run = new ModelRun(state, reader, ledger);
            if (state.Deferred.Count > 0 && await ConfirmWhileTheModelWorksAsync(run, state) is { } late)
            {
                metrics.Rejected(late.Kind.MetricReason, call.Route.Name);
                return ModelAdmission.Refused(late);
            }

            admitted = true;
            return ModelAdmission.Admitted(run);
        }
        finally
        {
            if (!admitted)
            {
                Observe(state.Deferred);
                if (run is not null)
                {
                    await run.StopAsync();
                }

                state.KeyCall?.Dispose();
                state.Lease?.Dispose();
                state.StreamSlot?.Dispose();
                if (state.Reservation is { } reservation)
                {
                    await reservation.ReleaseAsync();
                }

                if (state.GroupHold is { } groups)
                {
                    await groups.ReleaseAsync();
                }

                if (state.EmbeddingHold is { } embedding)
                {
                    await embedding.ReleaseAsync();
                }
            }
        }
    }

    /// <summary>
    /// The deferred checks answer while the model works on its first token (<see cref="ModelRun.Start"/>): the first
    /// refusal drops the call unread; a context made again (the history had moved) asks the model again.
    /// </summary>
    private static async Task<ApiError?> ConfirmWhileTheModelWorksAsync(ModelRun run, ModelCallState state)
    {
        run.Start();
        foreach (var check in state.Deferred)
        {
            ApiError? refusal;
            try
            {
                refusal = await check;
            }
            catch (Exception ex) when (StorageFailures.IsUnavailable(ex))
            {
                refusal = StorageFailures.Error();
            }

            if (refusal is not null)
            {
                return refusal;
            }
        }

        if (state.ContextChanged)
        {
            await run.RestartAsync();
        }

        return null;
    }

    /// <summary>Checks nobody waits for any more (a step refused first): their failures are seen, not thrown at the finalizer.</summary>
    private static void Observe(IReadOnlyList<Task<ApiError?>> checks)
    {
        foreach (var check in checks)
        {
            Unwaited.Observe(check);
        }
    }
}
