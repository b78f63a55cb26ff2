using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Integration;

/// <summary>One server-sent event, with when it arrived.</summary>
public sealed record SseEvent(string Name, string Data, TimeSpan ReceivedAfter, string? Id = null)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>A chat response: its status and headers, and the events when it streamed.</summary>
public sealed record ChatResult(HttpStatusCode Status, HttpResponseMessage Response, IReadOnlyList<SseEvent> Events, string Body, List<string> Comments)
{
    public string Text => string.Concat(Events.Where(e => e.Name == "delta").Select(e => e.Json.GetProperty("text").GetString()));

    public SseEvent? Done => Events.SingleOrDefault(e => e.Name == "done");

    public SseEvent? Error => Events.SingleOrDefault(e => e.Name == "error");

    public JsonElement Problem => JsonDocument.Parse(Body).RootElement;

    public int? RetryAfterSeconds => Response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null;
}

/// <summary>Calls the chat API as one development user.</summary>
public sealed class ApiSession(HttpClient http, string user)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public string User { get; } = user;

    /// <summary>The Entra app roles the dev user holds (<c>X-Dev-Roles</c>); a key made in this session keeps them.</summary>
    public string? Roles { get; init; }

    /// <summary>The groups the dev user is in (<c>X-Dev-Groups</c>).</summary>
    public string? Groups { get; init; }

    /// <summary>The same user, with these roles and groups.</summary>
    public ApiSession With(string? roles = null, string? groups = null) => new(http, User) { Roles = roles, Groups = groups };

    private void Identify(HttpRequestMessage request)
    {
        request.Headers.Add("X-Dev-User", User);
        if (Roles is not null)
        {
            request.Headers.Add("X-Dev-Roles", Roles);
        }

        if (Groups is not null)
        {
            request.Headers.Add("X-Dev-Groups", Groups);
        }
    }

    public async Task<string> CreateConversationAsync(string? title = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/conversations", new { title });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> GetConversationAsync(string id)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        Identify(request);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request, Cancellation).WaitAsync(TestTimeouts.Request, Cancellation);
    }

    /// <summary>Sends a request made by the caller (its own headers, its own body), as this user.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Identify(request);
        return await http.SendAsync(request, Cancellation).WaitAsync(TestTimeouts.Request, Cancellation);
    }

    /// <summary>Sends a message and reads the reply to its end (or until <paramref name="stopAfterDeltas"/> deltas, then hangs up).</summary>
    public Task<ChatResult> ChatAsync(string conversationId, object body, int? stopAfterDeltas = null) =>
        StreamAsync($"/api/conversations/{conversationId}/messages", body, stopAfterDeltas);

    public Task<ChatResult> RegenerateAsync(string conversationId, object? body = null) =>
        StreamAsync($"/api/conversations/{conversationId}/regenerate", body ?? new { });

    /// <summary>Follows the conversation's reply in progress: from its start, or after <paramref name="lastEventId"/>.</summary>
    public Task<ChatResult> ResumeAsync(string conversationId, string? lastEventId = null, int? stopAfterDeltas = null) =>
        StreamAsync($"/api/conversations/{conversationId}/reply", null, stopAfterDeltas, lastEventId);

    /// <summary>POSTs <paramref name="body"/> (or GETs when it is null) and reads the events, hanging up after <paramref name="stopAfterDeltas"/> deltas.</summary>
    public async Task<ChatResult> StreamAsync(string path, object? body, int? stopAfterDeltas = null, string? lastEventId = null)
    {
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        Identify(request);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var stopwatch = Stopwatch.StartNew();
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hangUp.Token).WaitAsync(TestTimeouts.Request, Cancellation);
        var events = new List<SseEvent>();
        var comments = new List<string>();
        var raw = new StringBuilder();

        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            raw.Append(await response.Content.ReadAsStringAsync(Cancellation));
            return new ChatResult(response.StatusCode, response, events, raw.ToString(), comments);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(Cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? name = null;
        string? id = null;
        var data = new StringBuilder();
        try
        {
            while (await reader.ReadLineAsync(hangUp.Token).AsTask().WaitAsync(TestTimeouts.Request, Cancellation) is { } line)
            {
                raw.AppendLine(line);
                if (line.Length == 0)
                {
                    if (name is not null)
                    {
                        events.Add(new SseEvent(name, data.ToString(), stopwatch.Elapsed, id));
                        if (stopAfterDeltas is { } stop && events.Count(e => e.Name == "delta") >= stop)
                        {
                            await hangUp.CancelAsync();
                            response.Dispose();
                            break;
                        }
                    }

                    name = null;
                    id = null;
                    data.Clear();
                }
                else if (line.StartsWith(':'))
                {
                    comments.Add(line);
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line[6..]);
                }
            }
        }
        catch (OperationCanceledException) when (hangUp.IsCancellationRequested && !Cancellation.IsCancellationRequested)
        {
        }

        return new ChatResult(response.StatusCode, response, events, raw.ToString(), comments);
    }
}
