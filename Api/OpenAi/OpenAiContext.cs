using Api.Errors;
using Api.Llm;
using Api.ModelCalls;
using Api.Safety;
using Microsoft.Extensions.AI;

namespace Api.OpenAi;

/// <summary>
/// The context of a <c>/v1</c> completion (the pipeline's step 8): our system prompt first, with its canary; then the
/// caller's messages in their order, its system and developer instructions marked as the caller's and ranked below
/// ours; the reminder, when the injection detector flagged any of them, just before the last user message (after it,
/// only an assistant prefill, itself inspected). Stateless: nothing is read or kept.
/// </summary>
public sealed class OpenAiContext(SystemPromptProvider prompts) : IModelContext
{
    private static readonly string ToolRequired = PromptTexts.Load("tool-required.txt");
    private static readonly string ToolNamed = PromptTexts.Load("tool-named.txt");

    public Task<ApiError?> BuildAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var messages = new List<ChatMessage>(state.Cleaned.Count + 3) { new(ChatRole.System, prompts.SystemPrompt) };
        // Ollama has no tool_choice: a required or named call is asked for in words, after our prompt.
        if (state.Tools is { Count: > 0 } && state.Call.ToolChoice is { Mode: ToolChoiceMode.Required or ToolChoiceMode.Function } choice)
        {
            messages.Add(new ChatMessage(ChatRole.System, choice.Mode == ToolChoiceMode.Required ? ToolRequired : ToolNamed.Replace("{name}", choice.Function, StringComparison.Ordinal)));
        }

        foreach (var message in state.Cleaned)
        {
            messages.Add(message.Role switch
            {
                CallerMessage.System or CallerMessage.Developer => new ChatMessage(ChatRole.System, $"{SystemPromptProvider.CallerInstructions}\n\n{message.Text}"),
                CallerMessage.Assistant when message.ToolCalls.Count > 0 => new ChatMessage(ChatRole.Assistant, [new TextContent(message.Text), new ToolCallsContent(message.ToolCalls)]),
                CallerMessage.Assistant => new ChatMessage(ChatRole.Assistant, message.Text),
                CallerMessage.Tool => new ChatMessage(ChatRole.Tool, [new TextContent(message.Text), new ToolAnswerContent(Answered(state.Cleaned, message.ToolCallId!))]),
                _ => new ChatMessage(ChatRole.User, message.Text),
            });
        }

        if (state.InjectionFlagged)
        {
            var lastUser = messages.FindLastIndex(m => m.Role == ChatRole.User);
            messages.Insert(lastUser < 0 ? messages.Count : lastUser, new ChatMessage(ChatRole.System, SystemPromptProvider.InjectionReminder));
        }

        state.ModelMessages = messages;
        return Task.FromResult<ApiError?>(null);
    }

    /// <summary>The call a tool message answers (the reader checked that an earlier assistant message made it).</summary>
    private static ToolCall Answered(IReadOnlyList<CallerMessage> messages, string id) =>
        messages.SelectMany(m => m.ToolCalls).Last(c => c.Id == id);
}
