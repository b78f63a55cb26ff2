using Api.Conversations;
using Api.Llm;
using Api.Safety;
using Microsoft.Extensions.AI;

namespace Api.Chat;

/// <summary>
/// Builds what the model sees: the system prompt, then as many of the latest turns as fit the token budget
/// (oldest dropped first), then the new message. The system prompt and the new message always go in; failed
/// replies, which hold no useful text, never do. Each message the injection detector flagged (policy Flag) has the
/// reminder right before it, the new one and, on every later turn, each one of the history that is sent again.
/// </summary>
public static class ChatContextBuilder
{
    /// <param name="newMessageFlagged">The injection detector flagged the new message.</param>
    /// <param name="reminder">The reminder that goes before a flagged message (it speaks of "the next user message").</param>
    public static IReadOnlyList<ChatMessage> Build(string systemPrompt, IReadOnlyList<StoredMessage> history, string? newUserMessage, int tokenBudget, int reservedForOutput, bool newMessageFlagged = false, string? reminder = null)
    {
        ArgumentNullException.ThrowIfNull(systemPrompt);
        ArgumentNullException.ThrowIfNull(history);
        reminder ??= SystemPromptProvider.InjectionReminder;
        var reminderCost = TokenEstimator.EstimateMessage(reminder);

        var remaining = tokenBudget - reservedForOutput - TokenEstimator.EstimateMessage(systemPrompt);
        if (newUserMessage is not null)
        {
            remaining -= TokenEstimator.EstimateMessage(newUserMessage);
        }

        if (newMessageFlagged)
        {
            remaining -= reminderCost;
        }

        var kept = new List<ChatMessage>();
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var message = history[i];
            if (message.Status == MessageStatus.Failed || string.IsNullOrEmpty(message.Content))
            {
                continue;
            }

            var flagged = message.InjectionFlagged && message.Role == MessageRoles.User;
            var cost = TokenEstimator.EstimateMessage(message.Content) + (flagged ? reminderCost : 0);
            if (cost > remaining)
            {
                break;
            }

            remaining -= cost;
            kept.Add(new ChatMessage(message.Role == MessageRoles.Assistant ? ChatRole.Assistant : ChatRole.User, message.Content));
            if (flagged)
            {
                kept.Add(new ChatMessage(ChatRole.System, reminder));
            }
        }

        kept.Reverse();
        // A context that starts with an assistant turn confuses chat templates: drop orphans at the front.
        while (kept.Count > 0 && kept[0].Role == ChatRole.Assistant)
        {
            kept.RemoveAt(0);
        }

        var messages = new List<ChatMessage>(kept.Count + 3) { new(ChatRole.System, systemPrompt) };
        messages.AddRange(kept);
        if (newMessageFlagged)
        {
            messages.Add(new ChatMessage(ChatRole.System, reminder));
        }

        if (newUserMessage is not null)
        {
            messages.Add(new ChatMessage(ChatRole.User, newUserMessage));
        }

        return messages;
    }
}
