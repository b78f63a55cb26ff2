using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace StreamBench;

/// <summary>What one streamed reply looked like from the client: time to first token, gaps, per-token transit.</summary>
public sealed record StreamSample(bool Ok, double TtftMs, IReadOnlyList<double> GapsMs, IReadOnlyList<double> TransitMs, int Tokens, string? Error);

/// <summary>The three ways the benchmark asks for a reply: Ollama's NDJSON directly or through YARP, or the chat API's SSE.</summary>
public sealed class StreamClient(HttpClient http)
{
    private static readonly byte[] Prompt = """{"model":"bench:latest","messages":[{"role":"user","content":"hi"}],"stream":true}"""u8.ToArray();

    /// <summary>Ollama's <c>/api/chat</c> at <paramref name="baseUri"/> (the fake itself, or YARP in front of it).</summary>
    public async Task<StreamSample> OllamaAsync(Uri baseUri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "/api/chat")) { Content = new ByteArrayContent(Prompt) };
        request.Content.Headers.ContentType = new("application/json");
        return await ReadAsync(request, sse: false, cancellationToken);
    }

    /// <summary>The chat API's <c>POST /api/conversations/{id}/messages</c>, as <paramref name="user"/>.</summary>
    public async Task<StreamSample> ApiAsync(Uri baseUri, string conversationId, string user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, $"/api/conversations/{conversationId}/messages")) { Content = JsonContent.Create(new { content = "hi" }) };
        request.Headers.Add("X-Dev-User", user);
        return await ReadAsync(request, sse: true, cancellationToken);
    }

    /// <summary>The OpenAI-compatible route, streamed, with a personal key: OpenAI's <c>data:</c> frames.</summary>
    public async Task<StreamSample> OpenAiAsync(Uri baseUri, string key, string model, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "/v1/chat/completions"))
        {
            Content = JsonContent.Create(new { model, messages = new[] { new { role = "user", content = "hi" } }, stream = true }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return await ReadAsync(request, sse: true, cancellationToken);
    }

    private async Task<StreamSample> ReadAsync(HttpRequestMessage request, bool sse, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (Environment.GetEnvironmentVariable("BENCH_TRACE_STORAGE") == "1")
        {
            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.ffff} CLIENT {request.RequestUri}");
        }
        var gaps = new List<double>(64);
        var transit = new List<double>(64);
        double ttft = -1;
        long last = 0;
        var tokens = 0;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new StreamSample(false, 0, gaps, transit, 0, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            string? error = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (sse && line.StartsWith("event: error", StringComparison.Ordinal))
                {
                    error = await reader.ReadLineAsync(cancellationToken);
                    break;
                }

                if (sse && line.StartsWith("data: {\"error\"", StringComparison.Ordinal))
                {
                    error = line;
                    break;
                }

                var now = Stopwatch.GetTimestamp();
                var stamps = Stamps(line);
                if (stamps.Count == 0)
                {
                    continue;
                }

                if (ttft < 0)
                {
                    ttft = Stopwatch.GetElapsedTime(started, now).TotalMilliseconds;
                }
                else
                {
                    gaps.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
                }

                last = now;
                foreach (var stamp in stamps)
                {
                    transit.Add(Stopwatch.GetElapsedTime(stamp, now).TotalMilliseconds);
                    tokens++;
                }
            }

            return new StreamSample(error is null && tokens > 0, ttft, gaps, transit, tokens, error);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return new StreamSample(false, ttft, gaps, transit, tokens, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>The stamps «ticks» in a line (an NDJSON chunk or an SSE data line may carry several).</summary>
    private static List<long> Stamps(string line)
    {
        var stamps = new List<long>(1);
        for (var start = line.IndexOf('«', StringComparison.Ordinal); start >= 0; start = line.IndexOf('«', start + 1))
        {
            var end = line.IndexOf('»', start);
            if (end > start && long.TryParse(line.AsSpan(start + 1, end - start - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var stamp))
            {
                stamps.Add(stamp);
            }
        }

        return stamps;
    }
}
