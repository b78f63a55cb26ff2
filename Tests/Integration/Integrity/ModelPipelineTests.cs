using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Errors;
using Api.ModelCalls;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// Every model request takes one path (<see cref="ModelCallPipeline"/>): a step added to it applies to chat turns,
/// regenerate, titles and <c>/v1</c> alike, with nothing to change in the routes; and every request's usage reaches
/// the ledger whatever became of its reply.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class ModelPipelineTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStepAddedToThePipeline_AppliesToChatRegenerateTitlesAndV1_AndItsRefusalReachesEachWireFormat()
    {
        var step = new RecordingStep();
        var (_, http) = api.StartHost(new Dictionary<string, string?>(), services => services.AddSingleton<IModelCallStep>(step));
        var session = new ApiSession(http, "pipeline-" + Guid.NewGuid().ToString("N")[..10]);
        var id = await session.CreateConversationAsync();
        var key = await OpenAiClients.NewKeyAsync(session);

        var chat = await session.ChatAsync(id, new { content = "What is a pipeline?" });
        var regenerate = await session.RegenerateAsync(id);
        using var completion = await CompleteAsync(http, key, "Hello from a tool");

        Assert.Equal(HttpStatusCode.OK, chat.Status);
        Assert.Equal(HttpStatusCode.OK, regenerate.Status);
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.Equal(["chat", "title", "regenerate", "openai"], step.Routes(session.User));
        // Each is in the ledger: one row per model request with its route, model, key and outcome.
        var ledger = await LedgerAsync(session.User);
        Assert.Equal(["chat", "openai", "regenerate", "title"], ledger.Select(r => r.GetString("Route")).Order(StringComparer.Ordinal));
        Assert.All(ledger, r => Assert.Equal(("complete", AppFixture.Model), (r.GetString("Outcome"), r.GetString("Model"))));
        Assert.Equal([null, null, null], ledger.Where(r => r.GetString("Route") != "openai").Select(r => r.GetString("KeyId")));
        Assert.NotNull(ledger.Single(r => r.GetString("Route") == "openai").GetString("KeyId"));

        // The same step refusing: each route answers in its own wire format, and the model is never called.
        step.Refuse(session.User);
        var before = api.Ollama.Requests.Count;
        var refusedChat = await session.ChatAsync(await session.CreateConversationAsync(), new { content = "Refuse me" });
        var refusedRegenerate = await session.RegenerateAsync(id);
        using var refusedCompletion = await CompleteAsync(http, key, "Refuse me too");

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (refusedChat.Status, refusedChat.Problem.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (refusedRegenerate.Status, refusedRegenerate.Problem.GetProperty("code").GetString()));
        var error = (await refusedCompletion.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
        Assert.Equal(HttpStatusCode.Forbidden, refusedCompletion.StatusCode);
        Assert.Equal(("forbidden", "permission_error"), (error.GetProperty("code").GetString(), error.GetProperty("type").GetString()));
        Assert.Equal(before, api.Ollama.Requests.Count);
    }

    [Fact]
    public async Task ATitleTheStepRefuses_FallsBackToTheFirstWords()
    {
        var step = new RecordingStep();
        step.Refuse("title");
        var (_, http) = api.StartHost(new Dictionary<string, string?>(), services => services.AddSingleton<IModelCallStep>(step));
        var session = new ApiSession(http, "pipeline-title-" + Guid.NewGuid().ToString("N")[..8]);

        var chat = await session.ChatAsync(await session.CreateConversationAsync(), new { content = "Plain words for a title" });

        Assert.Equal(HttpStatusCode.OK, chat.Status);
        Assert.Equal("Plain words for a title", chat.Done!.Json.GetProperty("title").GetString());
        Assert.Equal(["chat", "title"], step.Routes(session.User));
    }

    /// <summary>
    /// Before the ledger, usage was written only with the saved turn: deleting the conversation mid-reply let the
    /// whole reply stream uncounted (and keep the GPU busy). Now the delete cancels the model call, and what streamed
    /// is counted.
    /// </summary>
    [Fact]
    public async Task DeleteMidStream_CancelsTheModelCallAtOnce_AndTheDaysUsageGrowsByWhatStreamed()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        var prompt = "a very long answer " + Guid.NewGuid().ToString("N");
        // Scripts an earlier test left queued would answer first.
        api.Ollama.ClearScripts();
        api.Ollama.Enqueue(new OllamaDoubleScript { Tokens = [.. Enumerable.Range(0, 400).Select(i => $" word{i}")], TokenInterval = TimeSpan.FromMilliseconds(25) });
        var before = await OutputTokensTodayAsync(session.User);

        var chat = session.ChatAsync(id, new { content = prompt });
        var request = await ModelRequestAsync(prompt);
        while (request.TokensSent < 20)
        {
            await Task.Delay(20, Cancellation);
        }

        using var delete = await session.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");
        var sentWhenDeleted = request.TokensSent;
        var result = await chat;
        await WaitUntilAsync(() => request.AbortedAt is not null);
        var after = await WaitForUsageAsync(session.User, before);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.True(result.Error is not null, $"The reply ended without an error: {result.Done?.Data} after {request.TokensSent} tokens");
        Assert.Equal("conversation_deleted", result.Error.Json.GetProperty("code").GetString());
        // The model call ended within a second of tokens (40 at one per 25 ms) of the delete, far from its 400.
        Assert.InRange(request.TokensSent - sentWhenDeleted, 0, 40);
        Assert.True(request.TokensSent < 400);
        // What the user received is in the day's usage (estimated from the text: the double's cut stream has no count).
        Assert.InRange(after - before, Api.Llm.TokenEstimator.Estimate(result.Text), long.MaxValue);
        Assert.True(after - before >= 20 / 2, $"usage grew by {after - before}");
    }

    /// <summary>
    /// A <c>/v1</c> stream the client drops before Ollama's last chunk (which carries the count) is settled at no less
    /// than a token per chunk: the model spent a token on each. Before: characters/4 of the text, so a reply of word
    /// pieces (or ideographs, or emoji) was charged a half or a quarter of what it took.
    /// </summary>
    [Fact]
    public async Task AV1StreamDroppedBeforeTheLastChunk_IsChargedAtLeastATokenPerChunk()
    {
        var session = api.Session();
        var key = await OpenAiClients.NewKeyAsync(session);
        var prompt = "word pieces " + Guid.NewGuid().ToString("N");
        api.Ollama.ClearScripts();
        // Word pieces, as a BPE model streams them: two chunks a word, which characters/4 counts as one token. The model
        // sends 40 and then nothing (the client leaves before the last chunk, which would carry the count).
        api.Ollama.Enqueue(new OllamaDoubleScript
        {
            Tokens = [.. Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? " wo" : "rd")],
            TokenInterval = TimeSpan.FromMilliseconds(20),
            Fault = OllamaFault.Stall,
            FaultAfterTokens = 40,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = AppFixture.Model, stream = true, messages = new[] { new { role = "user", content = prompt } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var received = 0;
        using (var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancellation));
            while (received < 40 && await reader.ReadLineAsync(Cancellation) is { } line)
            {
                received += line.Contains("\"content\":\"", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        var model = await ModelRequestAsync(prompt);
        await WaitUntilAsync(() => model.AbortedAt is not null);
        TableEntity? row = null;
        await WaitUntilAsync(async () => (row = (await LedgerAsync(session.User)).SingleOrDefault(r => r.GetString("Route") == "openai")) is not null);

        Assert.Equal((40, 40), (received, model.TokensSent));
        Assert.NotEqual("complete", row!.GetString("Outcome"));
        // A token a chunk: 40, not the 25 that characters/4 makes of " word" twenty times.
        Assert.Equal(40, row.GetInt32("OutputTokens"));
    }

    private async Task<OllamaDoubleRequest> ModelRequestAsync(string prompt)
    {
        OllamaDoubleRequest? found = null;
        await WaitUntilAsync(() => (found = api.Ollama.ChatRequests().LastOrDefault(r => r.Messages.Any(m => m.Content.Contains(prompt, StringComparison.Ordinal)))) is not null);
        return found!;
    }

    private async Task<long> WaitForUsageAsync(string user, long before)
    {
        long now = before;
        await WaitUntilAsync(async () => (now = await OutputTokensTodayAsync(user)) > before);
        return now;
    }

    private async Task<List<TableEntity>> LedgerAsync(string user)
    {
        var prefix = $"ul_{DateTime.UtcNow:yyyyMMdd}_";
        var rows = new List<TableEntity>();
        await foreach (var row in api.Tables.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Api.Auth.CurrentUser.ToPartitionKey(user)} and RowKey ge {prefix} and RowKey lt {prefix + "~"}"), cancellationToken: Cancellation))
        {
            rows.Add(row);
        }

        return rows;
    }

    private async Task<long> OutputTokensTodayAsync(string user)
    {
        var row = await api.Tables.GetEntityIfExistsAsync<TableEntity>(Api.Auth.CurrentUser.ToPartitionKey(user), $"usage_{DateTime.UtcNow:yyyyMMdd}", cancellationToken: Cancellation);
        return row.HasValue ? row.Value!.GetInt64("OutputTokens") ?? 0 : 0;
    }

    private static async Task<HttpResponseMessage> CompleteAsync(HttpClient http, string key, string content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = AppFixture.Model, messages = new[] { new { role = "user", content } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request, Cancellation);
    }

    /// <summary>A check added to the pipeline from outside: it records each request's route, and refuses whom it is told to.</summary>
    private sealed class RecordingStep : IModelCallStep
    {
        private readonly ConcurrentQueue<(string User, string Route)> _seen = new();
        private readonly ConcurrentDictionary<string, bool> _refused = new(StringComparer.Ordinal);

        public int Order => StepOrder.Context + 50;

        public void Refuse(string userOrRoute) => _refused[userOrRoute] = true;

        public IReadOnlyList<string> Routes(string user) => [.. _seen.Where(s => s.User == user).Select(s => s.Route)];

        public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
        {
            _seen.Enqueue((state.Call.User.Id, state.Call.Route.Name));
            var refuse = _refused.ContainsKey(state.Call.User.Id) || _refused.ContainsKey(state.Call.Route.Name);
            return ValueTask.FromResult(refuse ? ApiError.Of(ErrorCodes.Forbidden, "A step added by the test refuses this request.") : null);
        }
    }
}
