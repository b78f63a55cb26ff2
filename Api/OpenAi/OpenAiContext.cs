using Api.Errors;
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
    public Task<ApiError?> BuildAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var messages = new List<ChatMessage>(state.Cleaned.Count + 2) { new(ChatRole.System, prompts.SystemPrompt) };
        foreach (var message in state.Cleaned)
        {
            messages.Add(message.Role switch
            {
                CallerMessage.System or CallerMessage.Developer => new ChatMessage(ChatRole.System, $"{SystemPromptProvider.CallerInstructions}\n\n{message.Text}"),
                CallerMessage.Assistant => new ChatMessage(ChatRole.Assistant, message.Text),
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
}
