using Api.Conversations;
using Api.Limits;
using Api.Llm;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>Why a model request was turned away: the status, a stable code, words, and when to retry.</summary>
public sealed record GateRefusal(int Status, string Code, string Title, string Detail, TimeSpan? RetryAfter);

/// <summary>
/// The checks every route that calls the model passes, the same for the chat turns and the OpenAI-compatible route:
/// a server shutting down, an open circuit breaker (both before any I/O), the user's requests per minute and
/// concurrent streams (one round trip to the shared store), and the day's output-token quota.
/// </summary>
public sealed class RequestGate(ShutdownDrain drain, LlmGateway gateway, UserRequestLimiter limiter, LlmMetrics metrics, IOptions<UserLimitsOptions> limits)
{
    /// <summary>The server is stopping: the request goes to another replica when sent again.</summary>
    public static readonly GateRefusal ShuttingDown = new(StatusCodes.Status503ServiceUnavailable, "server_shutting_down", "The server is restarting",
        "This server is shutting down; send the request again and another one will take it.", TimeSpan.FromSeconds(1));

    /// <summary>The user's stream slot when every check passes (the caller frees it when the reply ends), else the refusal.</summary>
    public async Task<(IDisposable? Slot, GateRefusal? Refusal)> EnterAsync(string userKey, string? model)
    {
        if (drain.Stopping)
        {
            metrics.Rejected("shutting_down");
            return (null, ShuttingDown);
        }

        // An open breaker refuses before any I/O: fast, and nothing reaches Ollama.
        if (gateway.RefuseWhileOpen(model) is { } open)
        {
            return (null, new GateRefusal(open.Status, open.Code, open.Title, open.Detail, open.RetryAfter));
        }

        // Both limits in one round trip to the shared store (the two scripts are pipelined); a slot taken for a request
        // that the per-minute limit refuses is given back at once.
        var counting = limiter.CountRequestAsync(userKey).AsTask();
        var slotTaking = limiter.TryStartStreamAsync(userKey).AsTask();
        var (allowed, rpmWait) = await counting;
        var slot = await slotTaking;
        if (!allowed)
        {
            slot?.Dispose();
            return (null, Limited("requests_per_minute", $"You can send {limits.Value.RequestsPerMinute} messages a minute.", rpmWait));
        }

        return slot is null
            ? (null, Limited("concurrent_streams", $"You can have {limits.Value.ConcurrentStreams} replies streaming at once; wait for one to finish.", TimeSpan.FromSeconds(5)))
            : (slot, null);
    }

    /// <summary>The day's quota, as read: a refusal until midnight UTC once it is used up.</summary>
    public GateRefusal? CheckQuota(DailyUsage usage, DateTimeOffset now)
    {
        if (usage.OutputTokens < limits.Value.OutputTokensPerDay)
        {
            return null;
        }

        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        return Limited("daily_tokens", $"You have used your {limits.Value.OutputTokensPerDay} output tokens for today (UTC).", midnight - now);
    }

    private GateRefusal Limited(string code, string detail, TimeSpan retryAfter)
    {
        metrics.Rejected(code);
        return new GateRefusal(StatusCodes.Status429TooManyRequests, code, "Too many requests", detail, retryAfter);
    }
}
