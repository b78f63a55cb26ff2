using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Api.Conversations;

/// <summary>
/// The table client's settings for a request path: a dead store must answer in about a second, not after Azure.Core's
/// default 3 retries with 0.8 s exponential delays (over 5 s). Connection failures are retried twice, quickly; a host
/// that does not answer at all fails at connect after 2 s.
/// The SDK's own request log is off: the log forwarder listens to its event source at every level whatever the
/// <c>Azure.Core</c> log level says, so the SDK formatted each request's and response's headers only for the logger to
/// drop them (a twentieth of a turn's allocations). A failed call still reaches the log as the exception it throws,
/// and each call still traces as a span.
/// </summary>
public static class ConversationStoreClient
{
    public static void FailFast(TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Diagnostics.IsLoggingEnabled = false;
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(400);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        options.Transport = new HttpClientTransport(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
    }
}
