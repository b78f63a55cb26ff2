namespace Web.Services;

/// <summary>A failure of the chat API, with a message written for the person using the app.</summary>
public sealed record ChatApiError(int Status, string? Code, string UserMessage, TimeSpan? RetryAfter, bool Partial = false)
{
    public static ChatApiError From(int status, ProblemDto? problem, TimeSpan? retryAfterHeader = null)
    {
        var retryAfter = retryAfterHeader ?? (problem?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        var code = problem?.Code;
        var wait = retryAfter is { } delay ? $" Try again in {Describe(delay)}." : " Try again shortly.";
        var message = (status, code) switch
        {
            (429, "daily_tokens") => $"You have reached today's usage limit. It resets at midnight UTC, in {Describe(retryAfter ?? TimeSpan.Zero)}.",
            (429, "llm_capacity") => "The assistant is busy with other requests." + wait,
            (429, "concurrent_streams") => "You already have replies in progress. Wait for one to finish, or stop it.",
            (429, _) => "You are sending messages faster than allowed." + wait,
            (503, "persist_deferred") => "The reply is not saved yet: conversations cannot be stored right now. It will be saved when storage is back.",
            (503, "storage_unavailable") => "Conversations cannot be loaded or saved right now." + wait,
            (503, "server_shutting_down") => "The server restarted during the reply. What arrived is kept; send your message again or regenerate the reply.",
            (410, "conversation_deleted") => "This conversation was deleted while the reply was being written.",
            (409, "conversation_too_long") => "This conversation is full. Start a new one.",
            (409, "conversation_busy") => "The conversation is being changed elsewhere. Try again.",
            (503, _) or (504, _) or (502, "llm_error" or "llm_stream_broken") => $"The assistant could not answer: {problem?.Detail ?? "it is unavailable."}" + wait,
            (502, "output_blocked") => "The reply was stopped because it started to reveal confidential instructions.",
            (413, _) => problem?.Detail ?? "Your message is too long.",
            (400, _) => problem?.Detail ?? "The request was not valid.",
            (404, _) => "This conversation no longer exists.",
            (401, _) => "Your session has expired. Sign in again.",
            (403, _) => "You are not allowed to do that.",
            (0, _) => "The chat service cannot be reached. Check your connection and try again.",
            _ => "Something went wrong on our side." + wait,
        };

        return new ChatApiError(status, code, message, retryAfter, problem?.Partial ?? false);
    }

    public static ChatApiError Unreachable() => From(0, null);

    /// <summary>"12 seconds", "3 minutes", "2 hours 5 minutes".</summary>
    public static string Describe(TimeSpan delay)
    {
        if (delay < TimeSpan.FromSeconds(90))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds));
            return seconds == 1 ? "1 second" : $"{seconds} seconds";
        }

        if (delay < TimeSpan.FromHours(1))
        {
            return $"{(int)Math.Ceiling(delay.TotalMinutes)} minutes";
        }

        return $"{(int)delay.TotalHours} hours {delay.Minutes} minutes";
    }
}

/// <summary>Thrown by <see cref="ChatApiClient"/> for any failed call.</summary>
public sealed class ChatApiException(ChatApiError error, Exception? inner = null) : Exception(error.UserMessage, inner)
{
    public ChatApiError Error { get; } = error;
}
