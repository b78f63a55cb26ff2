using System.Net;

namespace Tests.Integration;

/// <summary>
/// A browser's cookie behaviour for one site, reduced to what sign-in needs: it follows no redirects, and it sends
/// every cookie it holds for the host to any of its ports (cookies are not port-specific, RFC 6265 section 8.5), so the
/// replicas behind one host name share the session as they do behind a load balancer. It keeps Secure cookies on
/// plain HTTP too: the replicas are reached on http://localhost, a secure context for browsers.
/// </summary>
public sealed class CookieBrowser : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> CookieNames => _cookies.Keys;

    public Task<HttpResponseMessage> GetAsync(Uri url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

    /// <summary>What an HTML form with method="post" sends (application/x-www-form-urlencoded).</summary>
    public Task<HttpResponseMessage> PostFormAsync(Uri url, IReadOnlyDictionary<string, string> fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) });

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
            }

            var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = header.Split(';')[0];
                var name = pair[..pair.IndexOf('=', StringComparison.Ordinal)];
                var value = pair[(name.Length + 1)..];
                var expired = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) || value.Length == 0;
                if (expired)
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }

            return response;
        }
    }

    public void Dispose() => _http.Dispose();
}
