using Api.Conversations;
using Api.Llm;
using Microsoft.Extensions.AI;

namespace Api.Chat;

/// <summary>
/// Builds what the model sees: the system prompt, then as many of the latest turns as fit the token budget
/// (oldest dropped first), then the new message. The system prompt and the new message always go in; failed
/// replies, which hold no useful text, never do.
/// </summary>
public static class ChatContextBuilder
{
    public static IReadOnlyList<ChatMessage> Build(string systemPrompt, IReadOnlyList<StoredMessage> history, string? newUserMessage, int tokenBudget, int reservedForOutput, string? reminder = null)
    {
        ArgumentNullException.ThrowIfNull(systemPrompt);
        ArgumentNullException.ThrowIfNull(history);

        var remaining = tokenBudget - reservedForOutput - TokenEstimator.EstimateMessage(systemPrompt);
        if (newUserMessage is not null)
        {
            remaining -= TokenEstimator.EstimateMessage(newUserMessage);
        }

        if (reminder is not null)
        {
            remaining -= TokenEstimator.EstimateMessage(reminder);
        }

        var kept = new List<ChatMessage>();
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var message = history[i];
            if (message.Status == MessageStatus.Failed || string.IsNullOrEmpty(message.Content))
            {
                continue;
            }

            var cost = TokenEstimator.EstimateMessage(message.Content);
            if (cost > remaining)
            {
                break;
            }

            remaining -= cost;
            kept.Add(new ChatMessage(message.Role == MessageRoles.Assistant ? ChatRole.Assistant : ChatRole.User, message.Content));
        }

        kept.Reverse();
        // A context that starts with an assistant turn confuses chat templates: drop orphans at the front.
        while (kept.Count > 0 && kept[0].Role == ChatRole.Assistant)
        {
            kept.RemoveAt(0);
        }

        var messages = new List<ChatMessage>(kept.Count + 2) { new(ChatRole.System, systemPrompt) };
        messages.AddRange(kept);
        if (reminder is not null)
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
