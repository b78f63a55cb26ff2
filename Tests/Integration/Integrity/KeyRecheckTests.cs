using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tests.TestDoubles.Ollama;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// Issue 18: a key a replica found genuine lately, whose cached entry has lapsed, signs in at once and is looked up
/// again beside the request: the model is called before the lookup answers, the reply held until it has. A key revoked
/// on another replica meanwhile ends the request with the unknown key's 401 (OpenAI's shape on /v1), no token sent; a
/// route that does not hold its reply waits for the lookup before its endpoint runs.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class KeyRecheckTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> ShortCache = new() { ["ApiKeys:CacheDuration"] = "00:00:01" };

    private static HttpRequestMessage Completion(string key, string content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = AppFixture.Model, stream = true, messages = new[] { new { role = "user", content } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private async Task<(string Key, string Id, HttpClient Other, ApiSession Owner)> KeyUsedOnAnotherReplicaAsync()
    {
        var (_, other) = api.StartHost(ShortCache);
        var owner = api.Session();
        using var created = await owner.SendAsync(HttpMethod.Post, "/api/keys", new { name = "recheck" });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var (key, id) = (body.GetProperty("key").GetString()!, body.GetProperty("info").GetProperty("id").GetString()!);
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("known");
        using var first = await other.SendAsync(Completion(key, "first"), Cancellation);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await first.Content.ReadAsStringAsync(Cancellation);
        // The other replica's cached entry lapses; it still knows the key was genuine.
        await Task.Delay(TimeSpan.FromSeconds(1.5), Cancellation);
        return (key, id, other, owner);
    }

    [Fact]
    public async Task ALapsedKey_CallsTheModelBeforeItsLookupAnswers_AndHoldsTheReplyUntilItHas()
    {
        var (key, _, other, _) = await KeyUsedOnAnotherReplicaAsync();
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("fresh", " reply");
        var before = api.Ollama.ChatRequests().Count;

        api.Storage.Hold();
        Task<HttpResponseMessage> headers;
        try
        {
            headers = other.SendAsync(Completion(key, "while the store is slow"), HttpCompletionOption.ResponseHeadersRead, Cancellation);
            await WaitUntilAsync(() => api.Ollama.ChatRequests().Count > before && api.Ollama.ChatRequests()[^1].CompletedAt is not null);
            await Task.Delay(300, Cancellation);
            Assert.False(headers.IsCompleted);
        }
        finally
        {
            api.Storage.Flow();
        }

        using var response = await headers;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("fresh", await response.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALapsedKey_ReadsItsRowAndItsOwnersRow_AtOnce()
    {
        var (key, _, other, _) = await KeyUsedOnAnotherReplicaAsync();
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("both");

        api.Storage.Hold();
        Task<HttpResponseMessage> reply;
        try
        {
            api.Storage.ClearRequests();
            reply = other.SendAsync(Completion(key, "two reads, one round trip"), Cancellation);
            // The key's row and its owner's row (both lapsed from the cache) are asked for before either answers.
            await WaitUntilAsync(() => api.Storage.RequestLines is var sent
                && sent.Any(line => line.Contains("PartitionKey='lookup_", StringComparison.Ordinal))
                && sent.Any(line => line.Contains("RowKey='owner'", StringComparison.Ordinal)));
        }
        finally
        {
            api.Storage.Flow();
        }

        using var response = await reply;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("both", await response.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyRevokedOnAnotherReplica_IsRefusedAfterTheLookup_WithNoTokenSent_OnEveryRoute()
    {
        var (key, id, other, owner) = await KeyUsedOnAnotherReplicaAsync();
        using (var revoked = await owner.SendAsync(HttpMethod.Delete, $"/api/keys/{id}"))
        {
            Assert.True(revoked.IsSuccessStatusCode, $"{(int)revoked.StatusCode}");
        }

        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("never", " seen");
        using var completion = await other.SendAsync(Completion(key, "after the revoke"), Cancellation);
        var text = await completion.Content.ReadAsStringAsync(Cancellation);
        using var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        models.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var listed = await other.SendAsync(models, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, completion.StatusCode);
        Assert.Equal("invalid_api_key", JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("never", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, listed.StatusCode);
        Assert.Equal("invalid_api_key", (await listed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error").GetProperty("code").GetString());
    }
}
