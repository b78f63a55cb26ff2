using Api.Conversations;
using Api.Errors;
using Api.Llm;
using Microsoft.Extensions.Options;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 3. Size and shape, from what the request says of itself (no I/O): a model that exists, a temperature and an output
/// cap in range, at most so many messages, each within the message limit and valid text (a lone UTF-16 surrogate is
/// not), visible text where the route needs it, and all of it small enough to fit the context budget at all. The last
/// bound is what keeps the cleaning and inspection that follow within a bounded CPU cost.
/// </summary>
public sealed class ShapeStep(LlmBackends backends, IOptions<LlmOptions> llm, IOptions<ConversationOptions> conversations) : IModelCallStep
{
    public const int MaxMessages = 256;

    public int Order => StepOrder.Shape;

    public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken) => ValueTask.FromResult(Check(state));

    private ApiError? Check(ModelCallState state)
    {
        var call = state.Call;
        var options = llm.Value;
        var names = call.Params;
        var (backend, refused) = Model(call, state.Limits);
        if (refused is not null)
        {
            return refused;
        }

        if (call.Route.Kind == ModelKind.Embedding)
        {
            return CheckInputs(state, backend!);
        }

        if (call.Temperature is { } t && (double.IsNaN(t) || t < 0 || t > 2))
        {
            return ApiError.Of(ErrorCodes.InvalidValue, "The temperature must be between 0 and 2.", param: names.Temperature);
        }

        if (call.MaxOutputTokens is < 1)
        {
            return ApiError.Of(ErrorCodes.InvalidValue, "The output token limit must be at least 1.", param: names.MaxOutputTokens);
        }

        if (call.Messages.Count > MaxMessages)
        {
            return ApiError.Of(ErrorCodes.TooManyMessages, $"At most {MaxMessages} messages are accepted; this request has {call.Messages.Count}.", param: names.Messages);
        }

        var limit = conversations.Value.MaxMessageChars;
        long total = 0;
        foreach (var message in call.Messages)
        {
            if (message.Text.Length > limit)
            {
                return ApiError.Of(ErrorCodes.MessageTooLong, $"{message.Param} has {message.Text.Length} characters; the limit is {limit}.", param: message.Param);
            }

            if (!IsValidText(message.Text))
            {
                return ApiError.Of(ErrorCodes.InvalidValue, $"{message.Param} is not valid text: it has a lone UTF-16 surrogate.", param: message.Param);
            }

            total += message.Text.Length + message.ToolCalls.Sum(c => (long)c.ArgumentsJson.Length);
        }

        // The tools' JSON goes to the model too, and is cleaned and inspected like the messages.
        total += call.Tools?.Sum(t => (long)t.Json.Length) ?? 0;

        if (call.NeedsUserText && !call.Messages.Any(m => m.Role == CallerMessage.User && !string.IsNullOrWhiteSpace(m.Text)))
        {
            return ApiError.Of(ErrorCodes.EmptyMessage, "The request has no user message with text.", param: names.Messages);
        }

        // The estimator's own bound: text it would count within the budget is never refused here.
        if (total > (long)options.ContextTokenBudget * TokenEstimator.MaxCharsPerToken)
        {
            return ContextTooLong(options.ContextTokenBudget, total / TokenEstimator.MaxCharsPerToken, names.Messages);
        }

        state.Model = backend?.Name ?? string.Empty;
        state.Temperature = (float)Math.Min(call.Temperature ?? options.DefaultTemperature, options.MaxTemperature);
        state.OutputTokens = Math.Min(call.MaxOutputTokens ?? options.DefaultMaxOutputTokens, options.MaxOutputTokensCap);
        return null;
    }

    /// <summary>
    /// The model the call names (or the default chat model), as the caller may see it: one outside its roles and groups
    /// does not exist for it; one of the other kind, or without tools when the call sends tools, is refused by name.
    /// </summary>
    private (LlmBackend? Backend, ApiError? Refusal) Model(ModelCall call, Limits.EffectiveLimits limits)
    {
        var names = call.Params;
        var backend = call.Model is { } named ? backends.Find(named) : call.Route.Kind == ModelKind.Chat ? backends.Default : null;
        if (backend is null && call.Model is null)
        {
            // No model at all (none configured): the breaker step has answered already; the gateway says why.
            return (null, null);
        }

        // A title is the API's own request, on the model the catalogue names for it: no caller chose it.
        // Nor does a model the caller's quotas leave out (an admin's allowed models, per user or group).
        if (backend is null || call.Route.UserRequest && (!ModelAccess.Allows(backend.Options, call.User) || !limits.AllowsModel(backend.Name)))
        {
            return (null, ApiError.Of(ErrorCodes.ModelNotFound, $"The model '{call.Model ?? backend?.Name}' does not exist or you do not have access to it (see GET /v1/models).", param: names.Model));
        }

        if (backend.Kind != call.Route.Kind)
        {
            return (null, call.Route.Kind == ModelKind.Chat
                ? ApiError.Of(ErrorCodes.ModelCannotChat, $"The model '{backend.Name}' is an embedding model: use it with /v1/embeddings.", param: names.Model)
                : ApiError.Of(ErrorCodes.ModelCannotEmbed, $"The model '{backend.Name}' is a chat model: it does not make embeddings.", param: names.Model));
        }

        if (call.Tools is { Count: > 0 } && !backend.Options.Tools)
        {
            return (null, ApiError.Of(ErrorCodes.ModelDoesNotSupportTools, $"The model '{backend.Name}' cannot call tools; send tools to a model that can (GET /v1/models).", param: "tools"));
        }

        return (backend, null);
    }

    /// <summary>An embedding call: each input within the model's context, counted conservatively (<see cref="TokenEstimator"/>).</summary>
    private static ApiError? CheckInputs(ModelCallState state, LlmBackend backend)
    {
        foreach (var input in state.Call.Messages)
        {
            if (!IsValidText(input.Text))
            {
                return ApiError.Of(ErrorCodes.InvalidInput, $"{input.Param} is not valid text: it has a lone UTF-16 surrogate.", param: input.Param);
            }

            if (TokenEstimator.Estimate(input.Text) > backend.Options.ContextLength)
            {
                return ApiError.Of(ErrorCodes.ContextLengthExceeded,
                    $"{input.Param} has about {TokenEstimator.Estimate(input.Text)} tokens; the model '{backend.Name}' takes at most {backend.Options.ContextLength}. Split it.", param: input.Param);
            }
        }

        state.Model = backend.Name;
        // An embedding writes no tokens, but holds one of the day's while it runs (given back when it settles): a user
        // whose day is spent is refused embeddings too.
        state.OutputTokens = 1;
        return null;
    }

    /// <summary>Refused: the messages and the output cap need more tokens than the model's context budget.</summary>
    public static ApiError ContextTooLong(int budget, long needed, string param) => ApiError.Of(ErrorCodes.ContextLengthExceeded,
        $"This model's context budget is {budget} tokens; the messages and the output cap need about {needed}. Shorten the messages or lower the output cap.", param: param);

    private static bool IsValidText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
