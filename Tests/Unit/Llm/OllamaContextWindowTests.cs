using System.Net.Http.Json;
using System.Text.Json;
using Api.Llm;
using Microsoft.Extensions.AI;
using Tests.TestDoubles.Ollama;

namespace Tests.Unit.Llm;

/// <summary>
/// A prompt longer than the model's window, as Ollama 0.17.1 treats it (the double's <see cref="OllamaPrompt"/>, each
/// rule with its source) and as the API's reader sends and reads it: unless told <c>truncate: false</c>, Ollama leaves
/// out the oldest messages and then cuts the front of the prompt after four tokens, where the system prompt is, and says
/// nothing; told, it answers 400, which <see cref="OllamaChatStream"/> reads as <see cref="LlmContextLengthException"/>.
/// </summary>
public sealed class OllamaContextWindowTests : IAsyncLifetime
{
    private const string Model = "qwen2.5:0.5b-instruct-q4_K_M";
    private const string SystemPrompt = "You are the team's assistant. Secret canary: cnry-window-7f3a.";
    private OllamaDouble _ollama = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _ollama = await OllamaDouble.StartAsync(Model);
        _ollama.SetCapabilities(Model, OllamaModelCapabilities.Of(Model) with { ContextLength = 512 });
    }

    public async ValueTask DisposeAsync() => await _ollama.DisposeAsync();

    private async Task<HttpResponseMessage> ChatAsync(object body)
    {
        using var http = new HttpClient { BaseAddress = _ollama.Endpoint };
        var response = await http.PostAsJsonAsync("api/chat", body, Cancellation);
        await response.Content.LoadIntoBufferAsync(Cancellation);
        return response;
    }

    private static object[] Conversation(string last) =>
    [
        new { role = "system", content = SystemPrompt },
        new { role = "user", content = string.Join(' ', Enumerable.Repeat("older question about the budget", 150)) },
        new { role = "assistant", content = "an older answer" },
        new { role = "user", content = last },
    ];

    [Fact]
    public async Task WithoutTruncateFalse_OllamaLeavesOutOldMessages_KeepingTheSystemPrompt()
    {
        using var response = await ChatAsync(new { model = Model, stream = false, messages = Conversation("What now?") });
        var read = _ollama.ChatRequests(streamingOnly: false).Single().Prompt!;

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(1, read.MessagesDropped);
        Assert.Contains("cnry-window-7f3a", read.Seen, StringComparison.Ordinal);
        Assert.InRange(read.Tokens, 1, 512);
    }

    [Fact]
    public async Task WithoutTruncateFalse_ALastMessageTooLong_CutsTheSystemPromptSilently()
    {
        var longLast = string.Join(' ', Enumerable.Repeat("please summarise this long pasted document", 120));
        using var response = await ChatAsync(new { model = Model, stream = false, messages = Conversation(longLast) });
        var read = _ollama.ChatRequests(streamingOnly: false).Single().Prompt!;

        Assert.True(response.IsSuccessStatusCode);
        Assert.True(read.TokensCut > 0);
        Assert.DoesNotContain("cnry-window-7f3a", read.Seen, StringComparison.Ordinal);
        Assert.Equal(512, read.Tokens);
    }

    [Fact]
    public async Task WithTruncateFalse_OllamaRefuses_With400AndItsWords()
    {
        var longLast = string.Join(' ', Enumerable.Repeat("please summarise this long pasted document", 120));
        using var response = await ChatAsync(new { model = Model, stream = true, truncate = false, messages = Conversation(longLast) });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement;

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("the input length exceeds the context length", body.GetProperty("error").GetString());
        Assert.Equal(0, _ollama.ChatRequests().Single().TokensSent);
    }

    [Fact]
    public async Task TheApisReader_SendsTruncateAndShiftFalse_AndReadsTheRefusalAsContextLength()
    {
        using var http = new HttpClient { BaseAddress = _ollama.Endpoint };
        var longLast = string.Join(' ', Enumerable.Repeat("please summarise this long pasted document", 120));
        ChatMessage[] messages = [new(ChatRole.System, SystemPrompt), new(ChatRole.User, longLast)];

        var refusal = await Assert.ThrowsAsync<LlmContextLengthException>(async () =>
        {
            await foreach (var _ in OllamaChatStream.ReadAsync(http, Model, messages, 0.2f, 64, Cancellation))
            {
            }
        });
        var sent = _ollama.ChatRequests().Single().Body!.Value;

        Assert.Equal(JsonValueKind.False, sent.GetProperty("truncate").ValueKind);
        Assert.Equal(JsonValueKind.False, sent.GetProperty("shift").ValueKind);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refusal.StatusCode);
        Assert.True(LlmGateway.IsRefusal(refusal));
    }

    /// <summary>With <c>shift: false</c>, a reply that fills the window ends there (runner.go: done_reason "length"), never drops the prompt's start.</summary>
    [Fact]
    public async Task WithShiftFalse_AReplyThatFillsTheWindow_EndsWithLength()
    {
        using var http = new HttpClient { BaseAddress = _ollama.Endpoint };
        _ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 600).Select(i => $" w{i}")] });
        ChatMessage[] messages = [new(ChatRole.System, SystemPrompt), new(ChatRole.User, "Write at length.")];

        var chunks = new List<LlmChunk>();
        await foreach (var chunk in OllamaChatStream.ReadAsync(http, Model, messages, 0.2f, 2000, Cancellation))
        {
            chunks.Add(chunk);
        }

        var request = _ollama.ChatRequests().Single();
        Assert.Equal("length", chunks.Last(c => c.FinishReason is not null).FinishReason);
        Assert.Equal(512 - request.Prompt!.Tokens, request.TokensSent);
    }
}
