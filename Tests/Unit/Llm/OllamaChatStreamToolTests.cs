using System.Net;
using System.Text;
using System.Text.Json;
using Api.Llm;
using Microsoft.Extensions.AI;

namespace Tests.Unit.Llm;

/// <summary>
/// Ollama's tools API as <see cref="OllamaChatStream"/> speaks it (docs/api.md of Ollama, "Chat request (with tools)";
/// ollama.com/blog/streaming-tool): tools sent as OpenAI's objects, an assistant's calls sent back with object
/// arguments, a tool's answer with <c>tool_name</c>; calls read from <c>message.tool_calls</c>, arguments an object.
/// </summary>
public sealed class OllamaChatStreamToolTests
{
    private static readonly ToolCall Asked = new("call_abc", "get_weather", """{"city":"Paris"}""");

    [Fact]
    public async Task ReadAsync_WritesToolsCallsAndAnswers_AsOllamaTakesThem()
    {
        var handler = new Recording("""{"message":{"role":"assistant","content":"ok"},"done":true,"done_reason":"stop"}""" + "\n");
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://ollama/") };
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new TextContent(string.Empty), new ToolCallsContent([Asked])]),
            new(ChatRole.Tool, [new TextContent("21 degrees"), new ToolAnswerContent(Asked)]),
        ];
        var tool = new ToolDefinition("get_weather", """{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}""");

        await foreach (var _ in OllamaChatStream.ReadAsync(http, "m", messages, 0.2f, 64, TestContext.Current.CancellationToken, tools: [tool]))
        {
        }

        var body = JsonDocument.Parse(handler.Body!).RootElement;
        Assert.Equal("get_weather", body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        var sent = body.GetProperty("messages");
        var arguments = sent[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments");
        Assert.Equal(JsonValueKind.Object, arguments.ValueKind);
        Assert.Equal("Paris", arguments.GetProperty("city").GetString());
        Assert.Equal(("tool", "get_weather", "21 degrees"), (sent[2].GetProperty("role").GetString(), sent[2].GetProperty("tool_name").GetString(), sent[2].GetProperty("content").GetString()));
        Assert.False(sent[0].TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public async Task ReadAsync_ToolCallsChunk_BecomesCallsWithIds_ThenTheEnd()
    {
        // As Ollama streams a reply that calls tools: the calls whole in one chunk with empty content, then the last line.
        var stream = """
            {"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}},{"id":"call_given","function":{"index":1,"name":"get_time","arguments":{}}}]},"done":false}
            {"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":40,"eval_count":18}

            """;
        using var http = new HttpClient(new Recording(stream)) { BaseAddress = new Uri("http://ollama/") };

        var chunks = new List<LlmChunk>();
        await foreach (var chunk in OllamaChatStream.ReadAsync(http, "m", [new ChatMessage(ChatRole.User, "hi")], null, null, TestContext.Current.CancellationToken))
        {
            chunks.Add(chunk);
        }

        var calls = Assert.Single(chunks, c => c.ToolCalls is not null).ToolCalls!;
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
        Assert.Equal("Paris", JsonDocument.Parse(calls[0].ArgumentsJson).RootElement.GetProperty("city").GetString());
        Assert.StartsWith("call_", calls[0].Id);
        Assert.Equal("call_given", calls[1].Id);
        Assert.Equal(("stop", 18), (chunks[^1].FinishReason, chunks[^1].CompletionTokens));
    }

    [Fact]
    public async Task ReadAsync_ArgumentsThatAreNoObject_Throw()
    {
        var stream = """{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":[1,2]}}]},"done":false}""" + "\n";
        using var http = new HttpClient(new Recording(stream)) { BaseAddress = new Uri("http://ollama/") };

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in OllamaChatStream.ReadAsync(http, "m", [new ChatMessage(ChatRole.User, "hi")], null, null, TestContext.Current.CancellationToken))
            {
            }
        });
    }

    private sealed class Recording(string answer) : HttpMessageHandler
    {
        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Body = await request.Content!.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer, Encoding.UTF8, "application/x-ndjson") };
        }
    }
}
