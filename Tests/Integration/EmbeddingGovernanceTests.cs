using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tests.Infrastructure;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.OpenAiClients;

namespace Tests.Integration;

/// <summary>
/// <c>/v1/embeddings</c> cannot be used to hold the embedding server (issue 30, finding 6): a daily budget of input
/// tokens per user, one of the user's concurrent requests per embedding request, a batch sent in calls of the server's
/// parallelism, and a batch that outlasts its allowance not counted as the server failing. Before: no budget, no cap,
/// one call per batch whatever its size, and three slow batches opened the breaker for everyone.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class EmbeddingGovernanceTests(AppFixture app) : IAsyncLifetime
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public ValueTask DisposeAsync()
    {
        app.Ollama.EmbedTimePerInput = TimeSpan.Zero;
        return ValueTask.CompletedTask;
    }

    private async Task<string> KeyAsync(string name) => await NewKeyAsync(app.NewUser(name).With(groups: AppFixture.EmbeddingGroup));

    private Task<HttpResponseMessage> EmbedAsync(string key, object input) =>
        PostWithKeyAsync(app.Api, "/v1/embeddings", key, new { model = Catalogue.Embedding, input });

    private static string Code(HttpResponseMessage response) =>
        JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.GetProperty("error").GetProperty("code").GetString()!;

    [Fact]
    public async Task ABatch_GoesInCallsOfTheServersParallelism_AndComesBackInOrder()
    {
        var key = await KeyAsync("embed-split");
        var marker = Guid.NewGuid().ToString("N");
        string[] inputs = [.. Enumerable.Range(0, 10).Select(i => $"w{i}{marker}")];

        using var response = await EmbedAsync(key, inputs);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var calls = app.Ollama.EmbedRequests().Where(r => r.Body!.Value.GetProperty("input").EnumerateArray().Any(i => i.GetString()!.EndsWith(marker, StringComparison.Ordinal))).ToList();
        var dimensions = Catalogue.Dimensions(Catalogue.Embedding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // SlotsPerServer is 3 here: 3, 3, 3 and 1.
        Assert.Equal([3, 3, 3, 1], calls.Select(c => c.Body!.Value.GetProperty("input").GetArrayLength()));
        Assert.Equal(inputs, calls.SelectMany(c => c.Body!.Value.GetProperty("input").EnumerateArray().Select(i => i.GetString()!)));
        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 10), data.Select(d => d.GetProperty("index").GetInt32()));
        // Each vector is its own input's: a one-word text points along its word's direction.
        for (var i = 0; i < inputs.Length; i++)
        {
            var expected = OllamaDouble.Vector(inputs[i], dimensions);
            var vector = data[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(Array.IndexOf(expected, expected.MaxBy(Math.Abs)), Array.IndexOf(vector, vector.MaxBy(Math.Abs)));
        }

    }

    [Fact]
    public async Task TheDailyEmbeddingBudget_RefusesWhatDoesNotFit_UntilMidnight_AndLeavesChatAlone()
    {
        var user = app.NewUser("embed-budget").With(groups: AppFixture.EmbeddingGroup);
        var key = await NewKeyAsync(user);
        // About 1,200 tokens of the day's 2,000 each (four-letter words: a token each, with its space).
        var text = string.Join(' ', Enumerable.Repeat("data", 1_200));

        using var first = await EmbedAsync(key, text);
        using var second = await EmbedAsync(key, text);
        using var small = await EmbedAsync(key, "a few words");
        var chat = await user.ChatAsync(await user.CreateConversationAsync(), new { content = "Still here?" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal((HttpStatusCode.TooManyRequests, "daily_embedding_tokens"), (second.StatusCode, Code(second)));
        Assert.InRange(second.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        // What is left still takes a small request: the refused one held nothing.
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chat.Status);
    }

    [Fact]
    public async Task OneUser_HoldsNoMoreEmbeddingCallsThanTheirConcurrentRequests()
    {
        var key = await KeyAsync("embed-slots");
        // The server holds every call until the test lets it answer: two requests hold their slots for certain while
        // the third asks, however slow the machine (Limits:ConcurrentStreams is 2 here).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Ollama.EmbedGate = gate;
        var requests = Enumerable.Range(0, 3).Select(async i =>
        {
            using var response = await EmbedAsync(key, new[] { $"one {i}", $"two {i}", $"three {i}" });
            return (response.StatusCode, response.IsSuccessStatusCode ? null : Code(response));
        }).ToList();

        // The one refused answers while the other two are held at the server.
        var first = await await Task.WhenAny(requests);
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            waiting.CancelAfter(Infrastructure.TestTimeouts.Short);
            while (app.Ollama.EmbedCallsWaiting < 2 && requests.Count(r => !r.IsCompleted) == 2)
            {
                await Task.Delay(20, waiting.Token);
            }
        }

        var held = app.Ollama.EmbedCallsWaiting;
        gate.SetResult();
        var answers = await Task.WhenAll(requests);

        Assert.Equal((HttpStatusCode.TooManyRequests, "concurrent_streams"), first);
        Assert.Equal(2, held);
        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal((HttpStatusCode.TooManyRequests, "concurrent_streams"), Assert.Single(answers, a => a.StatusCode != HttpStatusCode.OK));
    }

    [Fact]
    public async Task BatchesThatOutlastTheirAllowance_DoNotOpenTheBreaker_ForEveryone()
    {
        var keys = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => KeyAsync($"embed-slow{i}")));
        // Three inputs at 1.5 s each: 4.5 s, past the 4 s allowance of an embedding call here.
        app.Ollama.EmbedTimePerInput = TimeSpan.FromMilliseconds(1_500);
        var slow = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await EmbedAsync(keys[i], new[] { "a long document", "another long one", "and a third" });
            slow.Add(response.StatusCode);
        }

        app.Ollama.EmbedTimePerInput = TimeSpan.Zero;
        using var next = await EmbedAsync(keys[3], "someone else's short text");

        // As many timeouts as the breaker's threshold (3), and the next caller is served, not refused as unavailable.
        Assert.All(slow, s => Assert.Equal(HttpStatusCode.GatewayTimeout, s));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
