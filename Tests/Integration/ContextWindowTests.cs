using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>
/// A request longer than the model's window, end to end: the API counts its tokens conservatively (CJK at a token and
/// a half, tool-call arguments included) and refuses what does not fit its budget before any model call; what gets
/// past a budget set too high for the window reaches Ollama with <c>truncate: false</c> and is refused, never cut. The
/// double's window is Ollama's 8,192 (OLLAMA_CONTEXT_LENGTH) and it counts with a real BPE tokenizer.
/// Before: characters/4, tool-call arguments not counted, no <c>truncate</c>: Ollama left out the front of the prompt,
/// system prompt and canary included, and answered 200.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ContextWindowTests(AppFixture app)
{
    /// <summary>A paragraph of everyday Chinese (about 0.7 tokens a character in a modern BPE vocabulary).</summary>
    private const string Chinese = "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>The API as deployed: a budget of 6,000 tokens below the 8,192 window, messages of up to 16,000 characters.</summary>
    private InProcessApiFactory Api(int budget = 6000) => new(app, "Development", new Dictionary<string, string?>
    {
        ["Auth:DevUser:Enabled"] = "true",
        ["Llm:ContextTokenBudget"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Conversations:MaxMessageChars"] = "16000",
        [$"Llm:Models:{AppFixture.Model}:Tools"] = "true",
        [$"Llm:Models:{AppFixture.Model}:Default"] = "true",
    });

    private static string Repeat(string text, int characters)
    {
        var builder = new StringBuilder(characters + text.Length);
        while (builder.Length < characters)
        {
            builder.Append(text);
        }

        return builder.ToString(0, characters);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> CompleteAsync(HttpClient client, string user, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Dev-User", user);
        using var response = await client.SendAsync(request, Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        return (response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private IReadOnlyList<OllamaDoubleRequest> Reached(string marker) =>
        [.. app.Ollama.ChatRequests(streamingOnly: false).Where(r => r.Messages.Any(m => m.Content.Contains(marker, StringComparison.Ordinal)))];

    [Fact]
    public async Task ChineseText_ThatCharactersOver4WouldLetThrough_IsRefusedBeforeTheModel()
    {
        await using var api = Api();
        using var client = api.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        // 15,000 characters: 3,750 tokens at characters/4, about 10,000 in a real vocabulary, past the 8,192 window.
        var text = marker + Repeat(Chinese, 15_000);

        var (status, body) = await CompleteAsync(client, $"cjk-{marker[..8]}", new { model = AppFixture.Model, max_tokens = 16, messages = new[] { new { role = "user", content = text } } });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("context_length_exceeded", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(Reached(marker));
    }

    /// <summary>
    /// The size bound before the count is the count's own (five characters a token at most, a four-letter word and its
    /// space): 27,000 characters of short words count about 5,400 tokens, within the 6,000 budget, and reach the model.
    /// Before: the bound took four characters a token and refused them unread, as too long.
    /// </summary>
    [Fact]
    public async Task ShortWords_ThatTheCountFits_AreNotRefusedForTheirLength()
    {
        await using var api = Api();
        using var client = api.CreateClient();
        var marker = Guid.NewGuid().ToString("N")[..8];
        var half = Repeat("data ", 13_500);
        object[] messages =
        [
            new { role = "user", content = marker + " " + half },
            new { role = "assistant", content = "noted" },
            new { role = "user", content = half },
        ];

        var (status, body) = await CompleteAsync(client, $"words-{marker}", new { model = AppFixture.Model, max_tokens = 4, messages });

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Single(Reached(marker));
    }

    [Fact]
    public async Task ToolCallArguments_CountAgainstTheBudget()
    {
        await using var api = Api();
        using var client = api.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        var arguments = JsonSerializer.Serialize(new { document = Repeat("the quarterly figures for every region and product line ", 60_000) });
        object[] messages =
        [
            new { role = "user", content = marker + " summarise the document" },
            new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "store", arguments } } } },
            new { role = "tool", tool_call_id = "call_1", content = "stored" },
            new { role = "user", content = "and now?" },
        ];
        var tools = new[] { new { type = "function", function = new { name = "store", parameters = new { type = "object", properties = new { document = new { type = "string" } } } } } };

        var (status, body) = await CompleteAsync(client, $"args-{marker[..8]}", new { model = AppFixture.Model, max_tokens = 16, messages, tools });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("context_length_exceeded", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(Reached(marker));
    }

    /// <summary>
    /// A budget set above the window lets a prompt through that the model cannot hold: Ollama is told never to cut it, so
    /// the caller gets 400 context_length_exceeded (our words, not Ollama's), streamed or not, and nothing is cut.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APromptPastTheWindow_IsRefusedByOllama_NeverCut(bool stream)
    {
        await using var api = Api(budget: 40_000);
        using var client = api.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        // Four messages of English, about 11,000 tokens in all.
        var messages = Enumerable.Range(0, 4).Select(i => new { role = "user", content = (i == 0 ? marker + " " : string.Empty) + Repeat("Every region reported its quarterly figures to the finance team. ", 15_000) }).ToArray();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(new { model = AppFixture.Model, max_tokens = 16, stream, messages }) };
        request.Headers.Add("X-Dev-User", $"win-{marker[..8]}");
        using var response = await client.SendAsync(request, Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        var reached = Reached(marker);

        Assert.True(text.Contains("\"context_length_exceeded\"", StringComparison.Ordinal), text.Length > 400 ? text[..400] : text);
        Assert.DoesNotContain("the input length exceeds", text, StringComparison.Ordinal);
        if (!stream)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var sent = Assert.Single(reached);
        Assert.Equal(Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, sent.StatusCode);
        Assert.True(sent.Prompt!.Refused);
        Assert.Equal(0, sent.Prompt.TokensCut + sent.Prompt.MessagesDropped);
        Assert.Equal(0, sent.TokensSent);
    }
}
