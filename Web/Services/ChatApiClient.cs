using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Web.Services;

/// <summary>Typed client of the chat API, found through service discovery.</summary>
public sealed class ChatApiClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<StatusDto?> GetStatusAsync(CancellationToken cancellationToken = default) =>
        await http.GetFromJsonAsync<StatusDto>("/api/status", Json, cancellationToken);

    public async Task<ConversationSummaryDto> CreateConversationAsync(string? title, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("/api/conversations", new { title }, Json, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<ConversationSummaryDto>(Json, cancellationToken))!;
    }

    /// <summary>Reads the reply's Server-Sent Events as they arrive.</summary>
    public async IAsyncEnumerable<ChatStreamEvent> SendMessageAsync(string conversationId, string content, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{Uri.EscapeDataString(conversationId)}/messages")
        {
            Content = JsonContent.Create(new { content, stream = true }, options: Json),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? eventName = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (eventName is not null)
                {
                    yield return new ChatStreamEvent(eventName, data.ToString());
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
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new ChatApiException((int)response.StatusCode, detail);
        }
    }
}

public sealed record StatusDto(string Llm, string? Reason, string? Model, DateTimeOffset CheckedAt);

public sealed record ConversationSummaryDto(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int MessageCount);

public sealed record ChatStreamEvent(string Event, string Data);

public sealed class ChatApiException(int status, string detail) : Exception($"The chat API answered {status}: {detail}")
{
    public int Status { get; } = status;
}
