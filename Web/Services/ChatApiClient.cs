using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Web.Services;

/// <summary>
/// Typed client of the chat API, found through service discovery (<c>https+http://api</c>), calling it with the
/// signed-in user's token. Every failure becomes a <see cref="ChatApiException"/> with a message for people; a
/// streamed reply yields its events as they arrive and stops the call when the caller cancels.
/// </summary>
public sealed class ChatApiClient(HttpClient http, IAccessTokenProvider tokens)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<StatusDto> GetStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<StatusDto>(HttpMethod.Get, "/api/status", null, cancellationToken);

    public Task<ModelsDto> GetModelsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ModelsDto>(HttpMethod.Get, "/api/models", null, cancellationToken);

    public Task<MyUsageDto> GetMyUsageAsync(CancellationToken cancellationToken = default) =>
        SendAsync<MyUsageDto>(HttpMethod.Get, "/api/usage/me", null, cancellationToken);

    public Task<ConversationPageDto> ListConversationsAsync(int pageSize = 30, string? continuationToken = null, CancellationToken cancellationToken = default) =>
        SendAsync<ConversationPageDto>(HttpMethod.Get, $"/api/conversations?pageSize={pageSize}{(continuationToken is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(continuationToken))}", null, cancellationToken);

    public Task<ConversationSummaryDto> CreateConversationAsync(string? title = null, CancellationToken cancellationToken = default) =>
        SendAsync<ConversationSummaryDto>(HttpMethod.Post, "/api/conversations", new { title }, cancellationToken);

    public Task<ConversationDetailDto> GetConversationAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<ConversationDetailDto>(HttpMethod.Get, $"/api/conversations/{Uri.EscapeDataString(id)}", null, cancellationToken);

    public Task<ConversationSummaryDto> RenameConversationAsync(string id, string title, CancellationToken cancellationToken = default) =>
        SendAsync<ConversationSummaryDto>(HttpMethod.Patch, $"/api/conversations/{Uri.EscapeDataString(id)}", new { title }, cancellationToken);

    public async Task DeleteConversationAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Delete, $"/api/conversations/{Uri.EscapeDataString(id)}", null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    public Task<IReadOnlyList<ApiKeyDto>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ApiKeyDto>>(HttpMethod.Get, "/api/keys", null, cancellationToken);

    /// <summary>Creates a key, showing the API the user's last interactive sign-in (a key needs a recent one).</summary>
    public async Task<CreatedApiKeyDto> CreateKeyAsync(string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default) =>
        await SendAsync<CreatedApiKeyDto>(HttpMethod.Post, "/api/keys", new { name, expiresAt }, cancellationToken, await tokens.GetSignInProofAsync());

    public async Task RevokeKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Delete, $"/api/keys/{Uri.EscapeDataString(id)}", null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    public IAsyncEnumerable<ChatStreamEvent> SendMessageAsync(string conversationId, string content, string? model, CancellationToken cancellationToken = default) =>
        StreamAsync(Conversation(conversationId) + "/messages", new { content, model, stream = true }, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> RegenerateAsync(string conversationId, string? model, CancellationToken cancellationToken = default) =>
        StreamAsync(Conversation(conversationId) + "/regenerate", new { model, stream = true }, cancellationToken);

    /// <summary>The conversation's reply in progress, from its start (a page opened or reloaded mid-reply); nothing when there is none.</summary>
    public IAsyncEnumerable<ChatStreamEvent> ResumeReplyAsync(string conversationId, CancellationToken cancellationToken = default) =>
        StreamAsync(Conversation(conversationId) + "/reply", body: null, cancellationToken);

    /// <summary>Stops the conversation's reply, on whichever API replica runs it; false when none was running.</summary>
    public async Task<bool> CancelReplyAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Post, Conversation(conversationId) + "/reply/cancel", null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    private static string Conversation(string id) => $"/api/conversations/{Uri.EscapeDataString(id)}";

    /// <summary>
    /// A reply's events. If the connection drops mid-reply (an API replica restarting, a network fault), the rest is
    /// fetched from the resume route with the last event's id: the reply reads on without a gap or a repeat.
    /// </summary>
    private async IAsyncEnumerable<ChatStreamEvent> StreamAsync(string path, object? body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = new SseCursor();
        var resumePath = path[..path.LastIndexOf('/')] + "/reply";
        var attempts = 0;
        var (method, url, payload) = body is null ? (HttpMethod.Get, path, (object?)null) : (HttpMethod.Post, path, body);
        while (true)
        {
            var response = await SendRawAsync(method, url, payload, HttpCompletionOption.ResponseHeadersRead, cancellationToken, cursor.LastEventId);
            using (response)
            {
                if (response.StatusCode == System.Net.HttpStatusCode.NoContent)
                {
                    yield break;
                }

                if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
                {
                    await EnsureSuccessAsync(response, cancellationToken);
                    throw new ChatApiException(ChatApiError.From((int)response.StatusCode, null));
                }

                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (true)
                {
                    string? line;
                    try
                    {
                        line = await reader.ReadLineAsync(cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        line = null;
                        if (cursor.LastEventId is null || ++attempts > MaxResumes)
                        {
                            throw new ChatApiException(ChatApiError.Unreachable() with { Partial = true }, ex);
                        }
                    }

                    if (line is null)
                    {
                        break;
                    }

                    if (cursor.Read(line) is { } item && Parse(item.Name, item.Data) is { } parsed)
                    {
                        yield return parsed;
                        if (parsed is not ChatStreamEvent.Delta)
                        {
                            yield break;
                        }
                    }
                }
            }

            // The stream ended before the reply's last event: follow it from the last event seen.
            if (cursor.LastEventId is null || attempts++ >= MaxResumes)
            {
                yield return new ChatStreamEvent.Failed(ChatApiError.Unreachable() with { Partial = true });
                yield break;
            }

            (method, url, payload) = (HttpMethod.Get, resumePath, null);
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempts), cancellationToken);
        }
    }

    private const int MaxResumes = 5;

    private static ChatStreamEvent? Parse(string eventName, string data) => eventName switch
    {
        "delta" => JsonSerializer.Deserialize<DeltaPayload>(data, Json) is { Text: { } text } ? new ChatStreamEvent.Delta(text) : null,
        "done" => JsonSerializer.Deserialize<DoneDto>(data, Json) is { } done ? new ChatStreamEvent.Done(done) : null,
        "error" => ProblemDto.Parse(data) is { } problem ? new ChatStreamEvent.Failed(ChatApiError.From(problem.Status ?? 500, problem)) : null,
        _ => null,
    };

    internal async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken, string? signInProof = null)
    {
        using var response = await SendRawAsync(method, path, body, HttpCompletionOption.ResponseContentRead, cancellationToken, signInProof: signInProof);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new ChatApiException(ChatApiError.From(500, null));
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, HttpCompletionOption completion, CancellationToken cancellationToken, string? lastEventId = null, string? signInProof = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (signInProof is not null)
        {
            request.Headers.TryAddWithoutValidation(Keys.RecentSignInHeader.Name, signInProof);
        }

        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        return await SendRequestAsync(request, completion, cancellationToken);
    }

    /// <summary>Sends a request as the signed-in user; an API that cannot be reached becomes a <see cref="ChatApiException"/>.</summary>
    internal async Task<HttpResponseMessage> SendRequestAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        await tokens.AuthorizeAsync(request, cancellationToken);

        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ChatApiException(ChatApiError.Unreachable(), ex);
        }
    }

    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        throw new ChatApiException(ChatApiError.From((int)response.StatusCode, ProblemDto.Parse(body), retryAfter));
    }

    private sealed record DeltaPayload(string? Text);
}
