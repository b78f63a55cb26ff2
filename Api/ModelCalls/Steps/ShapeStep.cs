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

    /// <summary>The token estimate's characters per token: text longer than the budget times this cannot fit it.</summary>
    private const int CharsPerToken = 4;

    public int Order => StepOrder.Shape;

    public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken) => ValueTask.FromResult(Check(state));

    private ApiError? Check(ModelCallState state)
    {
        var call = state.Call;
        var options = llm.Value;
        var names = call.Params;
        if (call.Model is { } model && backends.ForModel(model) is null)
        {
            return ApiError.Of(ErrorCodes.ModelNotFound, $"The model '{model}' does not exist (see GET /v1/models or GET /api/models).", param: names.Model);
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

            total += message.Text.Length;
        }

        if (call.NeedsUserText && !call.Messages.Any(m => m.Role == CallerMessage.User && !string.IsNullOrWhiteSpace(m.Text)))
        {
            return ApiError.Of(ErrorCodes.EmptyMessage, "The request has no user message with text.", param: names.Messages);
        }

        if (total > (long)options.ContextTokenBudget * CharsPerToken)
        {
            return ContextTooLong(options.ContextTokenBudget, total / CharsPerToken, names.Messages);
        }

        state.Model = call.Model ?? backends.DefaultModel ?? string.Empty;
        state.Temperature = (float)Math.Min(call.Temperature ?? options.DefaultTemperature, options.MaxTemperature);
        state.OutputTokens = Math.Min(call.MaxOutputTokens ?? options.DefaultMaxOutputTokens, options.MaxOutputTokensCap);
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
