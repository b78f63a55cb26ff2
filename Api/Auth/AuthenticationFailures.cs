using System.Collections.Concurrent;
using Api.Errors;
using Microsoft.Extensions.Options;

namespace Api.Auth;

/// <summary>
/// Failed authentications (a made-up or revoked key, an invalid token) per client address and minute, on this replica.
/// It only ever changes the answer to a credential that failed: past <see cref="AuthOptions.FailedAuthenticationsPerMinute"/>
/// that is 429 <c>authentication_failures</c> with <c>Retry-After</c> instead of 401, which tells a guessing client to
/// slow down. It never refuses a credential before it is checked: an address is shared (a NAT, a node's address), and
/// a valid key or token behind it must work whatever junk came from the same address. The log is aggregated: the first
/// failure of an address's minute, the moment it is limited, and a count of the rest when its minute ends.
/// </summary>
public sealed class AuthenticationFailures(IOptions<AuthOptions> options, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>Addresses tracked at once; beyond it, the ones whose minute is over are dropped first.</summary>
    public const int MaxAddresses = 10_000;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, AddressWindow> _addresses = new(StringComparer.Ordinal);
    private readonly ILogger _security = loggers.CreateLogger(Safety.SecurityEvents.Category);

    /// <summary>
    /// Counts a failure of <paramref name="kind"/> (what failed, with no secret in it) from the request's address, and
    /// gives the 429 when the address is past its limit for the minute; null otherwise (the failure's own 401 stands).
    /// </summary>
    public ApiError? Failed(HttpContext http, string kind)
    {
        var (count, ends) = Record(http, kind);
        var now = time.GetUtcNow();
        return count > options.Value.FailedAuthenticationsPerMinute
            ? ApiError.Of(ErrorCodes.AuthenticationFailures, "Too many failed authentications from this address; wait before trying again.", ends - now)
            : null;
    }

    private (int Count, DateTimeOffset Ends) Record(HttpContext http, string kind)
    {
        var address = AddressOf(http);
        var path = http.Request.Path.Value ?? string.Empty;
        var now = time.GetUtcNow();
        if (_addresses.Count >= MaxAddresses)
        {
            Prune(now);
        }

        var window = _addresses.AddOrUpdate(address, _ => new AddressWindow(now + Window), (_, current) =>
        {
            if (current.Ends > now)
            {
                return current;
            }

            Summarise(address, current);
            return new AddressWindow(now + Window);
        });
        var count = Interlocked.Increment(ref window.Count);
        var limit = options.Value.FailedAuthenticationsPerMinute;
        if (count == 1)
        {
            Safety.SecurityEvents.AuthenticationFailed(_security, kind, address, path);
        }
        else if (count == limit)
        {
            Safety.SecurityEvents.AuthenticationLimited(_security, address, count, (int)Window.TotalSeconds);
        }

        return (count, window.Ends);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, window) in _addresses)
        {
            if (window.Ends <= now && _addresses.TryRemove(address, out var removed))
            {
                Summarise(address, removed);
            }
        }
    }

    private void Summarise(string address, AddressWindow ended)
    {
        var count = Volatile.Read(ref ended.Count);
        if (count > 1)
        {
            Safety.SecurityEvents.AuthenticationFailuresSummary(_security, address, count, (int)Window.TotalSeconds);
        }
    }

    private static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private sealed class AddressWindow(DateTimeOffset ends)
    {
        public readonly DateTimeOffset Ends = ends;
        public int Count;
    }
}
