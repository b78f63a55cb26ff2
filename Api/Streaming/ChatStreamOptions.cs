namespace Api.Streaming;

/// <summary>Bound from <c>Chat:Stream</c>.</summary>
public sealed class ChatStreamOptions
{
    public const string SectionName = "Chat:Stream";

    /// <summary>
    /// How long the response waits for the first event before it starts anyway with keep-alive comments. Until it
    /// starts, a failure is a plain HTTP error with its status; after, an <c>error</c> event.
    /// </summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Keep-alive comments while the model is silent: below the 60 s idle timeout of common proxies.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}
