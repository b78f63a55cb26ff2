using Api.Errors;
using Api.Llm;
using Api.Safety;
using Microsoft.Extensions.Options;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 7. Every message the caller sent, whatever its role (system and developer instructions, assistant prefills, user
/// messages), the arguments of the tool calls in them, and the tools offered (each description and every string of
/// each parameters' schema, which the model reads as it reads a message), cleaned of invisible and control characters
/// and inspected for prompt injection, as a user message is: refused under the Block policy, flagged under Flag (the
/// model then gets the reminder). Runs after the request was
/// counted and its sizes bounded (step 3), so its CPU cost is bounded and a refusal still counts. Text to embed is
/// cleaned, not inspected: no model takes instructions from it.
/// </summary>
public sealed class InspectionStep(LlmMetrics metrics, IOptions<SafetyOptions> safety, ILoggerFactory loggers) : IModelCallStep
{
    private readonly ILogger _security = loggers.CreateLogger(SecurityEvents.Category);

    public int Order => StepOrder.Inspection;

    public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        var call = state.Call;
        var cleaned = new List<CallerMessage>(call.Messages.Count);
        var removed = 0;
        var matches = new List<string>();
        string? firstMatched = null;
        // Text to embed instructs no model: a document about prompt injection is indexed like any other.
        var inspect = call.Route.Kind == ModelKind.Chat;
        void Inspect(string text, string what, string param)
        {
            if (inspect && PromptInjectionDetector.Inspect(text) is { Detected: true } verdict)
            {
                matches.AddRange(verdict.Matches.Select(m => $"{m} ({what})"));
                firstMatched ??= param;
            }
        }

        foreach (var message in call.Messages)
        {
            var clean = InputSanitizer.Sanitize(message.Text);
            removed += clean.Removed;
            Inspect(clean.Text, message.Role, message.Param);
            var calls = message.ToolCalls;
            if (calls.Count > 0)
            {
                var cleanCalls = new List<ToolCall>(calls.Count);
                foreach (var toolCall in calls)
                {
                    var arguments = JsonTextSanitizer.Sanitize(toolCall.ArgumentsJson);
                    removed += arguments.Removed;
                    Inspect(arguments.Text, "tool call arguments", message.Param);
                    cleanCalls.Add(toolCall with { ArgumentsJson = arguments.Json });
                }

                calls = cleanCalls;
            }

            cleaned.Add(message with { Text = clean.Text, ToolCalls = calls });
        }

        if (call.Tools is { Count: > 0 } tools)
        {
            var cleanTools = new List<ToolDefinition>(tools.Count);
            for (var i = 0; i < tools.Count; i++)
            {
                var tool = JsonTextSanitizer.Sanitize(tools[i].Json);
                removed += tool.Removed;
                Inspect(tool.Text, "tool definition", $"tools[{i}].function");
                cleanTools.Add(tools[i] with { Json = tool.Json });
            }

            state.Tools = cleanTools;
        }

        state.Cleaned = cleaned;
        if (removed > 0)
        {
            SecurityEvents.InvisibleCharactersRemoved(_security, removed, call.User.Id, call.Where, call.Origin.Address, call.Origin.Path);
            metrics.SafetyFlag("invisible_characters");
        }

        if (call.NeedsUserText && !cleaned.Any(m => m.Role == CallerMessage.User && InputSanitizer.HasVisibleText(m.Text)))
        {
            return ValueTask.FromResult<ApiError?>(ApiError.Of(ErrorCodes.EmptyMessage, "The message has no visible content.", param: call.Params.Messages));
        }

        return ValueTask.FromResult(matches.Count == 0 ? null : Flag(state, matches, string.Join("\n", cleaned.Select(m => m.Text)), firstMatched));
    }

    /// <summary>
    /// What the injection policy does with a match, for the caller's messages here and for text the route inspects
    /// itself (the user message a regenerate sends again): refuses under Block, flags under Flag.
    /// </summary>
    /// <param name="param">The message that matched first, for the refusal to name (the route's messages otherwise).</param>
    public ApiError? Flag(ModelCallState state, IReadOnlyList<string> matches, string text, string? param = null)
    {
        var call = state.Call;
        var block = safety.Value.PromptInjection == InjectionPolicy.Block;
        SecurityEvents.PromptInjectionDetected(_security, block ? "blocked" : "flagged", call.User.Id, call.Where, string.Join(", ", matches), call.Origin.Address, call.Origin.Path);
        if (safety.Value.LogPromptText)
        {
            SecurityEvents.FlaggedPromptText(_security, call.User.Id, text);
        }

        metrics.SafetyFlag("prompt_injection");
        if (block)
        {
            return ApiError.Of(ErrorCodes.PromptInjection, "The request was refused by the prompt-injection policy.", param: param ?? call.Params.Messages);
        }

        state.InjectionFlagged = true;
        return null;
    }
}
