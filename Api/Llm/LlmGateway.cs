using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Api.Errors;
using Polly.Timeout;

namespace Api.Llm;

/// <summary>
/// The one way the API talks to a model. Admission: the circuit breaker refuses at once while a backend is failing,
/// the in-flight limit queues a little and then refuses, and the fallback serves while the primary is unavailable.
/// Streaming: the first-token, idle and total timeouts; a primary that fails before its first token hands over to the
/// fallback; a stream that ends without Ollama's final message is an error, never a silently short reply.
/// </summary>
public sealed class LlmGateway(LlmBackends backends, IHttpClientFactory httpClients, IOptions<LlmOptions> options, TimeProvider time, ILogger<LlmGateway> logger)
{
    private static readonly TimeSpan CapacityRetryAfter = TimeSpan.FromSeconds(2);

    public async Task<(LlmLease? Lease, ApiError? Rejection)> AdmitAsync(string? model, string user, CancellationToken cancellationToken, string route = LlmMetricNames.ChatRoute)
    {
        if (Unconfigured() is { } unavailable)
        {
            return (null, unavailable);
        }

        TimeSpan? openFor = null;
        var candidates = Candidates(model);
        foreach (var backend in candidates)
        {
            if (!backend.Breaker.TryAllow(out var retryAfter))
            {
                openFor = openFor is null || retryAfter < openFor ? retryAfter : openFor;
                continue;
            }

            var permit = await backend.Admission.TryAcquireAsync(user, cancellationToken, route);
            // Overload is not an outage: a busy model does not spill onto its (slow, small) fallback.
            return permit is null ? (null, Full(backend)) : (Lease(backend, permit, user, route, candidates[0]), null);
        }

        return (null, BreakerOpen(openFor is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1)));
    }

    /// <summary>
    /// The backend a request for <paramref name="model"/> goes to, as <see cref="AdmitAsync"/> picks it (the first whose
    /// breaker lets a call through), for a caller that takes its slot another way; or why none can take it.
    /// </summary>
    public (LlmBackend? Backend, ApiError? Rejection) Choose(string? model)
    {
        if (Unconfigured() is { } unavailable)
        {
            return (null, unavailable);
        }

        TimeSpan? openFor = null;
        foreach (var backend in Candidates(model))
        {
            if (backend.Breaker.TryAllow(out var retryAfter))
            {
                return (backend, null);
            }

            openFor = openFor is null || retryAfter < openFor ? retryAfter : openFor;
        }

        return (null, BreakerOpen(openFor is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1)));
    }

    /// <summary>The lease on <paramref name="backend"/> for a slot taken (<paramref name="permit"/>).</summary>
    public static LlmLease Lease(LlmBackend backend, IDisposable permit, string user, string route, LlmBackend? requested = null) => new(backend, permit, user, requested) { Route = route };

    /// <summary>The backend had no slot and no room in its queue (or the wait ran out): the refusal, and the breaker told.</summary>
    public static ApiError Full(LlmBackend backend)
    {
        backend.Breaker.RecordAbandoned();
        return ApiError.Of(ErrorCodes.LlmCapacity, "Every model slot is busy and the queue is full. Try again shortly.", CapacityRetryAfter);
    }

    private ApiError? Unconfigured() => !backends.Any
        ? ApiError.Of(ErrorCodes.LlmUnavailable, backends.UnavailableReason ?? "No language model is configured.", TimeSpan.FromSeconds(30))
        : null;

    private IReadOnlyList<LlmBackend> Candidates(string? model) => backends.Candidates(model);

    /// <summary>The model a request for <paramref name="model"/> asks for (before any fallback).</summary>
    public LlmBackend? Requested(string? model) => Candidates(model).FirstOrDefault();

    /// <summary>
    /// Refuses at once, before any I/O, when every backend that could take a request for <paramref name="model"/> has
    /// its breaker open: the one place the breaker turns callers away (admission then takes a slot on a closed one).
    /// </summary>
    public ApiError? RefuseWhileOpen(string? model)
    {
        var candidates = backends.Candidates(model);
        if (candidates.Count == 0 || candidates.Any(b => b.Breaker.State != BreakerState.Open))
        {
            return null;
        }

        var wait = candidates.Min(b => b.Breaker.RetryAfter);
        return BreakerOpen(wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1));
    }

    private static ApiError BreakerOpen(TimeSpan wait) =>
        ApiError.Of(ErrorCodes.LlmUnavailable, "The model server has been failing; requests are paused while it recovers.", wait);

    public async IAsyncEnumerable<LlmChunk> StreamAsync(LlmLease lease, LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(request);

        while (true)
        {
            var backend = lease.Backend;
            var resilience = options.Value.Resilience;
            using var watchdog = new StreamWatchdog(resilience, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
            var modelId = backend.Model;

            var sawChunk = false;
            var finished = false;
            Exception? failure = null;
            string? finishReason = null;
            int? inputTokens = null;
            int? outputTokens = null;
            using var activity = LlmTelemetry.StartCall(backend.Name, modelId, request.Temperature, request.MaxOutputTokens);

            // A stalled model never sends another byte: the bound token lets the watchdog end the read itself.
            using var bound = CommunityToolkit.Aspire.OllamaSharp.OllamaStreamCancellation.Bind(linked.Token);
            // The hot path reads Ollama's stream itself (OllamaChatStream): a token costs its text, not two object layers.
            var http = httpClients.CreateClient(backend.HttpClientName);
            await using (var updates = OllamaChatStream.ReadAsync(http, modelId, request.Messages, request.Temperature, request.MaxOutputTokens, linked.Token, request.Stream, request.Tools).GetAsyncEnumerator(linked.Token))
            {
                while (true)
                {
                    LlmChunk update;
                    try
                    {
                        if (!await updates.MoveNextAsync())
                        {
                            break;
                        }

                        update = updates.Current;
                    }
                    catch (Exception ex) when (cancellationToken.IsCancellationRequested)
                    {
                        // The client left: no verdict on the backend.
                        LlmTelemetry.End(activity, inputTokens, outputTokens, "cancelled", null);
                        backend.Breaker.RecordAbandoned();
                        throw new OperationCanceledException("The caller cancelled the reply.", ex, cancellationToken);
                    }
                    catch (Exception ex) when (watchdog.Fired)
                    {
                        failure = new TimeoutException(watchdog.Reason, ex);
                        break;
                    }
                    catch (Exception ex)
                    {
                        failure = ex switch
                        {
                            TimeoutRejectedException => new TimeoutException("The model server sent no response within the first-response allowance.", ex),
                            IOException when sawChunk => new LlmStreamBrokenException("The connection to the model server broke mid-reply.", ex),
                            _ => ex,
                        };
                        break;
                    }

                    var reason = update.FinishReason;
                    finishReason ??= reason;
                    finished |= reason is not null;
                    inputTokens = update.PromptTokens ?? inputTokens;
                    outputTokens = update.CompletionTokens ?? outputTokens;
                    var text = update.Text;
                    if (!string.IsNullOrEmpty(text) || update.ToolCalls is not null)
                    {
                        watchdog.OnToken();
                        if (!sawChunk)
                        {
                            LlmTelemetry.FirstToken(activity);
                        }

                        sawChunk = true;
                    }

                    yield return update;
                }
            }

            if (failure is null && !finished && cancellationToken.IsCancellationRequested)
            {
                // The stream ended because we closed it (the client left, or the server is shutting down): no verdict.
                LlmTelemetry.End(activity, inputTokens, outputTokens, "cancelled", null);
                backend.Breaker.RecordAbandoned();
                throw new OperationCanceledException("The caller cancelled the reply.", cancellationToken);
            }

            if (failure is null && !finished)
            {
                logger.LogWarning("The stream from {Backend} ({Model}) ended without a finish reason.", backend.Name, modelId);
                failure = new LlmStreamBrokenException("The model's reply stream ended before it was complete.");
            }

            LlmTelemetry.End(activity, inputTokens, outputTokens, finishReason, failure);
            if (failure is null)
            {
                backend.Breaker.RecordSuccess();
                yield break;
            }

            if (IsRefusal(failure))
            {
                // The server is well: it refused this request (Ollama's 400). No verdict on it, and no fallback.
                backend.Breaker.RecordAbandoned();
                logger.LogWarning("{Backend} refused the request: {Error}", backend.Name, failure.Message);
                throw failure;
            }

            backend.Breaker.RecordFailure();
            logger.LogWarning("The call to {Backend} failed {When}: {Error}", backend.Name, sawChunk ? "mid-stream" : "before the first token", failure.Message);

            if (!sawChunk && !lease.FellBack && IsAvailabilityFailure(failure) && await TryFailOverAsync(lease, cancellationToken))
            {
                continue;
            }

            throw failure;
        }
    }

    /// <summary>Errors that say "the server is not serving", as opposed to "this request is wrong".</summary>
    public static bool IsAvailabilityFailure(Exception failure) =>
        failure is HttpRequestException or TimeoutException or TimeoutRejectedException or IOException or LlmUnavailableException && !IsRefusal(failure);

    /// <summary>The model server answered 400: this request is wrong for it (a field it cannot read), not the server down.</summary>
    public static bool IsRefusal(Exception failure) => failure is HttpRequestException { StatusCode: System.Net.HttpStatusCode.BadRequest };

    private async Task<bool> TryFailOverAsync(LlmLease lease, CancellationToken cancellationToken)
    {
        if (backends.FallbackOf(lease.Requested) is not { } fallback || !fallback.Breaker.TryAllow(out _))
        {
            return false;
        }

        var permit = await fallback.Admission.TryAcquireAsync(lease.User, cancellationToken, lease.Route);
        if (permit is null)
        {
            fallback.Breaker.RecordAbandoned();
            return false;
        }

        logger.LogWarning("The model {Model} failed before its first token; its fallback {Fallback} takes over.", lease.Requested.Name, fallback.Name);
        lease.SwitchTo(fallback, permit);
        return true;
    }

}
