using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using OpenAI;
using Tests.Infrastructure;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>
/// The catalogue's models on the OpenAI-compatible surface, proven with the official clients: tool calling (the model
/// asks, the client answers, the model finishes) streamed and not, through the openai npm package and through
/// Microsoft.Extensions.AI's <see cref="FunctionInvokingChatClient"/> on the OpenAI .NET library; embeddings as floats
/// and as base64, through both; and each model's access by role and by group, on every route that names a model.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ModelCatalogueTests(AppFixture app) : IAsyncLifetime
{
    private const string WeatherArguments = """{"city":"Paris"}""";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await app.ResetLlmAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Uri Api => app.Api.BaseAddress!;

    [Theory]
    [InlineData("tools")]
    [InlineData("tools-stream")]
    public async Task Npm_ToolRoundTrip_ModelAsksClientAnswersModelFinishes(string scenario)
    {
        var key = await OpenAiClients.NewKeyAsync(app.NewUser("tools"));
        app.Ollama.Enqueue(OllamaDoubleScript.CallTools(("get_weather", WeatherArguments)));
        app.Ollama.Enqueue(OllamaDoubleScript.Reply("It is ", "21 degrees", " in Paris."));
        var before = app.Ollama.ChatRequests(streamingOnly: false).Count;

        var result = await OpenAiClients.NpmAsync(scenario, Api, key, AppFixture.Model, "What is the weather in Paris?");

        Assert.False(result.TryGetProperty("error", out _), result.ToString());
        Assert.Equal("tool_calls", result.GetProperty("finish").GetString());
        Assert.Equal(1, result.GetProperty("calls").GetInt32());
        Assert.Equal("get_weather", result.GetProperty("name").GetString());
        Assert.Equal("Paris", result.GetProperty("args").GetProperty("city").GetString());
        Assert.StartsWith("call_", result.GetProperty("id").GetString());
        Assert.Equal("stop", result.GetProperty("finish2").GetString());
        Assert.Equal("It is 21 degrees in Paris.", result.GetProperty("text").GetString());
        if (scenario == "tools-stream")
        {
            // OpenAI's delta shape: the call named once (with its id), its arguments after.
            Assert.Equal(2, result.GetProperty("deltas").GetInt32());
            Assert.True(result.GetProperty("firstDeltaHasId").GetBoolean());
            Assert.True(result.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
        }

        // Mapped to Ollama's tools API: the tools offered, then the call sent back with its arguments as an object and
        // the answer as a tool message naming the function (the double refuses OpenAI's string arguments, as Ollama does).
        var sent = app.Ollama.ChatRequests(streamingOnly: false).Skip(before).ToList();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, r => Assert.Equal(["get_weather"], r.ToolNames));
        var messages = sent[1].Body!.Value.GetProperty("messages").EnumerateArray().ToList();
        var asked = messages.Single(m => m.GetProperty("role").GetString() == "assistant");
        Assert.Equal("Paris", asked.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetProperty("city").GetString());
        var answer = messages.Single(m => m.GetProperty("role").GetString() == "tool");
        Assert.Equal("get_weather", answer.GetProperty("tool_name").GetString());
        Assert.Contains("21", answer.GetProperty("content").GetString());
        Assert.All(sent, r => Assert.Equal(200, r.StatusCode));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DotNet_FunctionInvokingChatClient_CallsTheFunction_AndFinishes(bool streaming)
    {
        var key = await OpenAiClients.NewKeyAsync(app.NewUser("mea"));
        app.Ollama.Enqueue(OllamaDoubleScript.CallTools(("get_weather", WeatherArguments)));
        app.Ollama.Enqueue(OllamaDoubleScript.Reply("Sunny, ", "21 degrees."));
        var invoked = new List<string>();
        var weather = AIFunctionFactory.Create((string city) => { invoked.Add(city); return $"21 degrees in {city}"; }, "get_weather", "The weather in a city now.");
        using var client = new ChatClientBuilder(OpenAiClients.DotNet(Api, key, AppFixture.Model)).UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [weather] };

        string text;
        if (streaming)
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync("Weather in Paris?", options, Cancellation))
            {
                updates.Add(update);
            }

            text = updates.ToChatResponse().Text;
        }
        else
        {
            text = (await client.GetResponseAsync("Weather in Paris?", options, Cancellation)).Text;
        }

        Assert.Equal(["Paris"], invoked);
        Assert.Equal("Sunny, 21 degrees.", text);
    }

    [Fact]
    public async Task Npm_Embeddings_FloatsAndBase64_OfTheModelsDimension_CountedInTheLedger()
    {
        var user = app.NewUser("embed").With(groups: AppFixture.EmbeddingGroup);
        var key = await OpenAiClients.NewKeyAsync(user);

        var result = await OpenAiClients.NpmAsync("embeddings", Api, key, Catalogue.Embedding);

        Assert.False(result.TryGetProperty("error", out _), result.ToString());
        var dimensions = Catalogue.Dimensions(Catalogue.Embedding);
        Assert.Equal("list", result.GetProperty("object").GetString());
        Assert.Equal(3, result.GetProperty("count").GetInt32());
        Assert.Equal(dimensions, result.GetProperty("dimensions").GetInt32());
        Assert.Equal([0, 1, 2], result.GetProperty("indexes").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal(Catalogue.Embedding, result.GetProperty("model").GetString());
        Assert.True(result.GetProperty("same").GetBoolean(), "base64 decoded by the SDK equals the floats");
        Assert.True(result.GetProperty("rawIsString").GetBoolean());
        Assert.Equal(dimensions * sizeof(float), result.GetProperty("rawBytes").GetInt32());
        Assert.True(result.GetProperty("closer").GetBoolean(), "the double's vectors put texts sharing words closer");
        var usage = result.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());

        // Three calls, three rows in the usage ledger, each with the tokens Ollama counted and no output.
        var ledger = await LedgerAsync(user.User);
        Assert.Equal(3, ledger.Count(r => r.GetString("Route") == "embeddings"));
        Assert.All(ledger, r => Assert.Equal((Catalogue.Embedding, "complete", 0L), (r.GetString("Model"), r.GetString("Outcome"), (long)(r.GetInt32("OutputTokens") ?? 0))));
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), ledger.Max(r => r.GetInt32("PromptTokens")));
    }

    [Fact]
    public async Task DotNet_EmbeddingGenerator_VectorsOfTheModelsDimension()
    {
        var key = await OpenAiClients.NewKeyAsync(app.NewUser("embed").With(groups: AppFixture.EmbeddingGroup));
        using var generator = new OpenAI.Embeddings.EmbeddingClient(Catalogue.Embedding, new System.ClientModel.ApiKeyCredential(key),
            new OpenAIClientOptions { Endpoint = new Uri(Api, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) }).AsIEmbeddingGenerator();

        var vectors = await generator.GenerateAsync(["first text", "second text"], cancellationToken: Cancellation);

        Assert.Equal(2, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(Catalogue.Dimensions(Catalogue.Embedding), v.Vector.Length));
        Assert.True(vectors.Usage?.InputTokenCount > 0);
    }

    [Fact]
    public async Task Access_OutsideTheModelsRoleOrGroup_TheModelDoesNotExist_OnEveryRoute()
    {
        var outsider = app.NewUser("outsider");
        var outsiderKey = await OpenAiClients.NewKeyAsync(outsider);
        var insider = app.NewUser("insider").With(roles: AppFixture.FastRole, groups: AppFixture.EmbeddingGroup);
        var insiderKey = await OpenAiClients.NewKeyAsync(insider);
        var before = app.Ollama.Requests.Count(r => r.Path is "/api/chat" or "/api/embed");

        var outsiderList = await ModelIdsAsync(outsiderKey);
        var insiderList = await ModelIdsAsync(insiderKey);
        using var fastCompletion = await PostAsync(outsiderKey, "/v1/chat/completions", new { model = Catalogue.Fast, messages = new[] { new { role = "user", content = "hi" } } });
        using var embedding = await PostAsync(outsiderKey, "/v1/embeddings", new { model = Catalogue.Embedding, input = "hi" });
        using var retrieve = await GetAsync(outsiderKey, $"/v1/models/{Catalogue.Fast}");
        var chatRoute = await outsider.ChatAsync(await outsider.CreateConversationAsync(), new { content = "hi", model = Catalogue.Fast });
        var pickerOutsider = await outsider.SendAsync(HttpMethod.Get, "/api/models");
        var pickerInsider = await insider.SendAsync(HttpMethod.Get, "/api/models");

        Assert.Equal([AppFixture.Model], outsiderList);
        Assert.Equal(Catalogue.All.Order(), insiderList.Order());
        foreach (var (response, param) in new[] { (fastCompletion, "model"), (embedding, "model"), (retrieve, "model") })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
            Assert.Equal(("model_not_found", param), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        }

        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (chatRoute.Status, chatRoute.Problem.GetProperty("code").GetString()));
        Assert.Equal([AppFixture.Model], await NamesAsync(pickerOutsider));
        Assert.Equal(Catalogue.All.Order(), (await NamesAsync(pickerInsider)).Order());
        // Refused before any model was asked.
        Assert.Equal(before, app.Ollama.Requests.Count(r => r.Path is "/api/chat" or "/api/embed"));

        // The insider's key reaches both.
        app.Ollama.Enqueue(OllamaDoubleScript.Reply("fast"));
        using var allowed = await PostAsync(insiderKey, "/v1/chat/completions", new { model = Catalogue.Fast, messages = new[] { new { role = "user", content = "hi" } } });
        using var allowedEmbedding = await PostAsync(insiderKey, "/v1/embeddings", new { model = Catalogue.Embedding, input = "hi" });
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowedEmbedding.StatusCode);
        Assert.Equal(Catalogue.Fast, (await allowed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("model").GetString());
    }

    [Fact]
    public async Task BadInput_RefusedWithItsCode_AndNeverReachesTheModel()
    {
        var user = app.NewUser("bad").With(groups: AppFixture.EmbeddingGroup);
        var key = await OpenAiClients.NewKeyAsync(user);
        var say = new[] { new { role = "user", content = "hi" } };
        var longText = string.Join(' ', Enumerable.Repeat("word", 3000));
        var cases = new (string Path, object Body, string Code, string? Param)[]
        {
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = "" }, "empty_input", "input"),
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = new[] { "a", "" } }, "empty_input", "input[1]"),
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = new[] { 1, 2, 3 } }, "invalid_input", "input[0]"),
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = Enumerable.Repeat("x", 257).ToArray() }, "too_many_inputs", "input"),
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = longText }, "context_length_exceeded", "input"),
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = "a", dimensions = 256 }, "dimensions_not_supported", "dimensions"),
            ("/v1/embeddings", new { model = Catalogue.Embedding, input = "a", encoding_format = "int8" }, "invalid_value", "encoding_format"),
            ("/v1/embeddings", new { model = AppFixture.Model, input = "a" }, "model_cannot_embed", "model"),
            ("/v1/chat/completions", new { model = Catalogue.Embedding, messages = say }, "model_cannot_chat", "model"),
            ("/v1/chat/completions", new { model = AppFixture.Model, messages = say, tools = new object[] { new { type = "function", function = new { name = "f", parameters = "an object" } } } }, "invalid_tool_schema", "tools[0].function.parameters"),
            ("/v1/chat/completions", new { model = AppFixture.Model, messages = say, tools = new object[] { new { type = "function", function = new { name = "f", parameters = new { type = "objekt" } } } } }, "invalid_tool_schema", "tools[0].function.parameters"),
            ("/v1/chat/completions", new { model = AppFixture.Model, messages = say, tools = new object[] { new { type = "function", function = new { name = "f", parameters = new { type = "object", required = "city" } } } } }, "invalid_tool_schema", "tools[0].function.parameters"),
            ("/v1/chat/completions", new { model = AppFixture.Model, messages = say, tool_choice = "auto" }, "invalid_value", "tool_choice"),
            ("/v1/chat/completions", new { model = AppFixture.Model, messages = new object[] { new { role = "user", content = "hi" }, new { role = "tool", tool_call_id = "call_nobody", content = "42" } } }, "unknown_tool_call", "messages[1].tool_call_id"),
        };
        var before = app.Ollama.Requests.Count(r => r.Path is "/api/chat" or "/api/embed");

        foreach (var (path, body, code, param) in cases)
        {
            using var response = await PostAsync(key, path, body);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {JsonSerializer.Serialize(body)[..Math.Min(120, JsonSerializer.Serialize(body).Length)]}: {(int)response.StatusCode} {error}");
            Assert.Equal((code, param), (error.GetProperty("code").GetString(), error.TryGetProperty("param", out var p) ? p.GetString() : null));
        }

        Assert.Equal(before, app.Ollama.Requests.Count(r => r.Path is "/api/chat" or "/api/embed"));
    }

    /// <summary>
    /// An invalid tool schema is refused after the request is counted: a caller sending them over and over reaches
    /// their per-minute limit (12 here) like any caller, and the meta-schema check stops running for them. Before: it
    /// was checked while the body was read, and could be sent without limit.
    /// </summary>
    [Fact]
    public async Task InvalidToolSchemas_CountAgainstThePerMinuteLimit()
    {
        var key = await OpenAiClients.NewKeyAsync(app.NewUser("schema-flood"));
        var body = new
        {
            model = AppFixture.Model,
            messages = new[] { new { role = "user", content = "hi" } },
            tools = new object[] { new { type = "function", function = new { name = "f", parameters = new { type = "object", required = "city" } } } },
        };

        var codes = new List<string?>();
        for (var i = 0; i < 14; i++)
        {
            using var response = await PostAsync(key, "/v1/chat/completions", body);
            codes.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal([.. Enumerable.Repeat("invalid_tool_schema", 12), "requests_per_minute", "requests_per_minute"], codes);
    }

    [Fact]
    public async Task ModelServerRefusal_A502WithItsWords_NoBreakerVerdict_NoFallback()
    {
        // The catalogue says the model calls tools; its server disagrees (a misdeclared model): Ollama's 400, told in our
        // words (its own text names its internals: it is logged, never passed on).
        var key = await OpenAiClients.NewKeyAsync(app.NewUser("refused"));
        app.Ollama.SetCapabilities(AppFixture.Tag, new OllamaModelCapabilities(AppFixture.Tag, Completion: true, Tools: false, Dimensions: null));
        try
        {
            var body = new
            {
                model = AppFixture.Model,
                messages = new[] { new { role = "user", content = "hi" } },
                tools = new object[] { new { type = "function", function = new { name = "f" } } },
            };
            var answers = new List<(HttpStatusCode, string?)>();
            var messages = new List<string?>();
            for (var i = 0; i < 4; i++)
            {
                using var response = await PostAsync(key, "/v1/chat/completions", body);
                var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
                answers.Add((response.StatusCode, error.GetProperty("code").GetString()));
                messages.Add(error.GetProperty("message").GetString());
            }

            Assert.All(messages, m => Assert.Equal("The model server refused the request.", m));

            // More refusals than the breaker's threshold (3), and still each one is the server's refusal, not "unavailable".
            Assert.All(answers, a => Assert.Equal((HttpStatusCode.BadGateway, "llm_error"), a));
            var status = await app.Api.GetFromJsonAsync<JsonElement>("/api/status", Cancellation);
            Assert.Equal("available", status.GetProperty("llm").GetString());
        }
        finally
        {
            app.Ollama.SetCapabilities(AppFixture.Tag, OllamaModelCapabilities.Of(AppFixture.Tag));
        }
    }

    private async Task<List<string>> ModelIdsAsync(string key)
    {
        using var response = await GetAsync(key, "/v1/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
    }

    private static async Task<List<string>> NamesAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return [.. (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()!)];
        }
    }

    private Task<HttpResponseMessage> PostAsync(string key, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return app.Api.SendAsync(request, Cancellation);
    }

    private Task<HttpResponseMessage> GetAsync(string key, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return app.Api.SendAsync(request, Cancellation);
    }

    private async Task<List<TableEntity>> LedgerAsync(string user)
    {
        var table = new TableClient(await app.TablesConnectionStringAsync(), "conversations");
        var partition = global::Api.Auth.CurrentUser.ToPartitionKey(user);
        var prefix = $"ul_{DateTime.UtcNow:yyyyMMdd}_";
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + "~"}"), cancellationToken: Cancellation))
        {
            rows.Add(row);
        }

        return rows;
    }
}
