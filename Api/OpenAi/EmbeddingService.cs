using Api.Auth;
using Api.Errors;
using Api.Llm;
using Api.ModelCalls;
using Api.Streaming;

namespace Api.OpenAi;

/// <summary>
/// <c>/v1/embeddings</c> on the model pipeline: the request becomes a <see cref="ModelCall"/> of route <c>embeddings</c>
/// (counted against the caller's requests, refused by the breaker, its texts cleaned, its slot taken in the embedding
/// model's own fair queue, so a bulk backfill waits behind itself and never takes a chat model's slot; its inputs'
/// tokens held against the user's daily embedding budget; one of the user's concurrent requests held while it runs),
/// then Ollama's <c>/api/embed</c> on the slot, the inputs sent in batches of the server's parallelism
/// (<c>SlotsPerServer</c>, Ollama's <c>NUM_PARALLEL</c>) one after another, each with its own first-response allowance;
/// its tokens settle in the usage ledger however it ends. A batch of several inputs that runs out of time says
/// nothing of the server (a long batch on a busy server): only one input timing out, or a failure to answer at all,
/// counts against the breaker.
/// </summary>
public sealed class EmbeddingService(ModelCallPipeline pipeline, LlmBackends backends, IHttpClientFactory httpClients, LlmMetrics metrics, ILogger<EmbeddingService> logger)
{
    public async Task<(EmbeddingResponse? Result, ApiError? Error)> EmbedAsync(CurrentUser user, EmbeddingRequest request, RequestOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Never asked of the model: a length it cannot give (the pipeline answers 404 first for a model the caller may not use).
        if (request.Dimensions is { } wanted && backends.Find(request.Model) is { Kind: ModelKind.Embedding } model && ModelAccess.Allows(model.Options, user) && model.Options.Dimensions != wanted)
        {
            return (null, ApiError.Of(ErrorCodes.DimensionsNotSupported, $"The model '{model.Name}' makes vectors of {model.Options.Dimensions} dimensions only; leave dimensions out or send {model.Options.Dimensions}.", param: "dimensions"));
        }

        var admission = await pipeline.AdmitAsync(new ModelCall
        {
            Route = ModelRoute.Embeddings,
            User = user,
            Context = new FixedContext([]),
            Messages = [.. request.Inputs.Select((text, i) => new CallerMessage(CallerMessage.User, text, request.Inputs.Count == 1 ? "input" : $"input[{i}]"))],
            Model = request.Model,
            Stream = false,
            Params = ParamNames.Embeddings,
            Where = "the embeddings route",
            Origin = origin,
        }, cancellationToken);
        if (admission.Run is not { } run)
        {
            return (null, admission.Refusal);
        }

        await using (run)
        {
            var backend = run.Lease.Backend;
            var parts = new List<EmbedResult>();
            var batchSize = Math.Max(1, backend.Admission.SlotsPerServer);
            var sent = 0;
            try
            {
                var texts = run.Cleaned.Select(m => m.Text).ToList();
                var http = httpClients.CreateClient(backend.HttpClientName);
                for (var from = 0; from < texts.Count; from += batchSize)
                {
                    var batch = texts.GetRange(from, Math.Min(batchSize, texts.Count - from));
                    sent = batch.Count;
                    parts.Add(await OllamaEmbed.CallAsync(http, backend.Model, batch, cancellationToken));
                }

                backend.Breaker.RecordSuccess();
                run.Record(parts.Sum(p => p.PromptTokens), null);
                metrics.ReplyFinished(backend.Name, "complete", run.Outcome.FirstToken, null, null, LlmMetricNames.EmbeddingsRoute);
                if (backend.Options.Dimensions is { } declared && parts[0].Dimensions != declared)
                {
                    logger.LogWarning("The model {Model} made vectors of {Dimensions} dimensions; its declaration says {Declared}.", backend.Name, parts[0].Dimensions, declared);
                }

                var response = new EmbeddingResponse(parts, backend.Name, request.Base64);
                parts = [];
                return (response, null);
            }
            catch (EmbedInputRefusedException ex)
            {
                // The inputs, not the server: no verdict on the backend.
                backend.Breaker.RecordAbandoned();
                run.Record(parts.Sum(p => p.PromptTokens), ex);
                logger.LogWarning("The embedding model {Backend} refused the inputs: {Error}", backend.Name, ex.Message);
                return (null, ex.TooLong
                    ? ApiError.Of(ErrorCodes.ContextLengthExceeded, $"An input is longer than the model '{backend.Name}' takes. Split it.", param: "input")
                    : ApiError.Of(ErrorCodes.LlmError, $"The model '{backend.Name}' refused the input.", param: "input"));
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                backend.Breaker.RecordAbandoned();
                run.Record(parts.Sum(p => p.PromptTokens), null);
                run.Outcome.Cancelled = true;
                throw new OperationCanceledException("The caller left.", ex, cancellationToken);
            }
            catch (Polly.Timeout.TimeoutRejectedException ex) when (sent > 1)
            {
                // A batch of several inputs out of time: long inputs on a busy server, not a verdict on the server.
                backend.Breaker.RecordAbandoned();
                run.Record(parts.Sum(p => p.PromptTokens), ex);
                metrics.ReplyFinished(backend.Name, "failed", null, null, null, LlmMetricNames.EmbeddingsRoute);
                logger.LogWarning("A batch of {Count} inputs to {Backend} ran out of time; not counted against the server.", sent, backend.Name);
                return (null, ReplyFailures.Describe(ex));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or InvalidOperationException or System.Text.Json.JsonException or Polly.Timeout.TimeoutRejectedException)
            {
                backend.Breaker.RecordFailure();
                run.Record(parts.Sum(p => p.PromptTokens), ex);
                metrics.ReplyFinished(backend.Name, "failed", null, null, null, LlmMetricNames.EmbeddingsRoute);
                logger.LogWarning("An embeddings call to {Backend} failed: {Error}", backend.Name, ex.Message);
                return (null, ReplyFailures.Describe(ex));
            }
            finally
            {
                foreach (var part in parts)
                {
                    part.Dispose();
                }
            }
        }
    }
}
