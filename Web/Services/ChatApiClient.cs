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
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<StatusDto> GetStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<StatusDto>(HttpMethod.Get, "/api/status", null, cancellationToken);

    public Task<ModelsDto> GetModelsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ModelsDto>(HttpMethod.Get, "/api/models", null, cancellationToken);

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

    public IAsyncEnumerable<ChatStreamEvent> SendMessageAsync(string conversationId, string content, string? model, CancellationToken cancellationToken = default) =>
        StreamAsync($"/api/conversations/{Uri.EscapeDataString(conversationId)}/messages", new { content, model, stream = true }, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> RegenerateAsync(string conversationId, string? model, CancellationToken cancellationToken = default) =>
        StreamAsync($"/api/conversations/{Uri.EscapeDataString(conversationId)}/regenerate", new { model, stream = true }, cancellationToken);

    private async IAsyncEnumerable<ChatStreamEvent> StreamAsync(string path, object body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Post, path, body, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            await EnsureSuccessAsync(response, cancellationToken);
            throw new ChatApiException(ChatApiError.From((int)response.StatusCode, null));
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? eventName = null;
        var data = new StringBuilder();
        var ended = false;
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new ChatApiException(ChatApiError.Unreachable() with { Partial = true }, ex);
            }

            if (line is null)
            {
                break;
            }

            if (line.Length == 0)
            {
                if (eventName is not null && Parse(eventName, data.ToString()) is { } item)
                {
                    ended |= item is not ChatStreamEvent.Delta;
                    yield return item;
                }

                eventName = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line.AsSpan(5).TrimStart());
            }
        }

        if (!ended)
        {
            yield return new ChatStreamEvent.Failed(ChatApiError.Unreachable() with { Partial = true });
        }
    }

    private static ChatStreamEvent? Parse(string eventName, string data) => eventName switch
    {
        "delta" => JsonSerializer.Deserialize<DeltaPayload>(data, Json) is { Text: { } text } ? new ChatStreamEvent.Delta(text) : null,
        "done" => JsonSerializer.Deserialize<DoneDto>(data, Json) is { } done ? new ChatStreamEvent.Done(done) : null,
        "error" => ProblemDto.Parse(data) is { } problem ? new ChatStreamEvent.Failed(ChatApiError.From(problem.Status ?? 500, problem)) : null,
        _ => null,
    };

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new ChatApiException(ChatApiError.From(500, null));
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        if (await tokens.GetAccessTokenAsync(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ChatApiException(ChatApiError.Unreachable(), ex);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
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
