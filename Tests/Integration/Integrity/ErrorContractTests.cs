using System.Net;
using System.Text;
using System.Text.Json;
using static Tests.Integration.Integrity.IntegrityAssertions;

namespace Tests.Integration.Integrity;

/// <summary>
/// Bad input, sent to the API on real Kestrel: every answer is below 500 and is ProblemDetails with a stable code,
/// including the ones the framework writes itself; nothing reaches the model.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class ErrorContractTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string> Cases() =>
    [
        "malformed-json", "not-json", "wrong-type", "nan", "lone-surrogate", "deep-json", "fifty-megabytes", "empty-body",
        "invisible-only", "empty-content", "dot-dot-id", "escaped-nul-in-id", "page-size-text", "page-size-zero", "huge-header", "two-hundred-headers",
        "unknown-route", "wrong-method", "bad-continuation", "title-too-long", "title-invisible",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsAnsweredBelow500_WithAProblemAndACode(string name)
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        var modelCalls = api.Ollama.ChatRequests().Count;
        var (request, expectedStatus, expectedCode) = Case(name, id);
        request.Headers.Add("X-Dev-User", session.User);

        using var response = await api.Http.SendAsync(request, Cancellation);

        Assert.Equal(expectedStatus, response.StatusCode);
        Assert.Equal(expectedCode, await CodeOfAsync(response));
        Assert.Equal(modelCalls, api.Ollama.ChatRequests().Count);
    }

    private static (HttpRequestMessage Request, HttpStatusCode Status, string Code) Case(string name, string id)
    {
        var chat = $"/api/conversations/{id}/messages";
        HttpRequestMessage Post(string path, string body, string mediaType = "application/json") => new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        return name switch
        {
            "malformed-json" => (Post(chat, "{\"content\": \"hi\""), HttpStatusCode.BadRequest, "invalid_json"),
            "not-json" => (Post(chat, "hello", "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            "wrong-type" => (Post(chat, "{\"content\": 42}"), HttpStatusCode.BadRequest, "invalid_json"),
            "nan" => (Post(chat, "{\"content\": \"hi\", \"temperature\": NaN}"), HttpStatusCode.BadRequest, "invalid_json"),
            "lone-surrogate" => (Post(chat, "{\"content\": \"\\ud800\"}"), HttpStatusCode.BadRequest, "invalid_json"),
            "deep-json" => (Post(chat, "{\"content\": " + new string('[', 5000) + new string(']', 5000) + "}"), HttpStatusCode.BadRequest, "invalid_json"),
            // As an uploader that waits for 100 Continue does: the 413 comes before any of the body is sent.
            "fifty-megabytes" => (ExpectingContinue(new HttpRequestMessage(HttpMethod.Post, chat) { Content = LargeBody(50 * 1024 * 1024) }), HttpStatusCode.RequestEntityTooLarge, "request_too_large"),
            "empty-body" => (Post(chat, string.Empty), HttpStatusCode.BadRequest, "missing_body"),
            "invisible-only" => (Post(chat, "{\"content\": \"\\u200b\\u200c\\u2060\\ufeff\\u200d\\u200b\"}"), HttpStatusCode.BadRequest, "empty_message"),
            "empty-content" => (Post(chat, "{\"content\": \"   \"}"), HttpStatusCode.BadRequest, "empty_message"),
            "dot-dot-id" => (new HttpRequestMessage(HttpMethod.Get, "/api/conversations/..%2F..%2Fusage_20261126"), HttpStatusCode.NotFound, "not_found"),
            "escaped-nul-in-id" => (new HttpRequestMessage(HttpMethod.Get, "/api/conversations/abc%2500def"), HttpStatusCode.NotFound, "not_found"),
            "page-size-text" => (new HttpRequestMessage(HttpMethod.Get, "/api/conversations?pageSize=abc"), HttpStatusCode.BadRequest, "invalid_parameter"),
            "page-size-zero" => (new HttpRequestMessage(HttpMethod.Get, "/api/conversations?pageSize=0"), HttpStatusCode.BadRequest, "invalid_page_size"),
            "huge-header" => (WithHeader(new HttpRequestMessage(HttpMethod.Get, "/api/conversations"), "X-Filler", new string('h', 64 * 1024)), HttpStatusCode.RequestHeaderFieldsTooLarge, "headers_too_large"),
            // Many small fields: under the size limit, over the count limit (Kestrel's own answer would be a bare 431).
            "two-hundred-headers" => (Enumerable.Range(0, 200).Aggregate(new HttpRequestMessage(HttpMethod.Get, "/api/conversations"), (r, i) => WithHeader(r, $"X-Field-{i}", "v")), HttpStatusCode.RequestHeaderFieldsTooLarge, "headers_too_large"),
            "unknown-route" => (new HttpRequestMessage(HttpMethod.Get, "/api/nothing-here"), HttpStatusCode.NotFound, "not_found"),
            "wrong-method" => (new HttpRequestMessage(HttpMethod.Put, "/api/conversations"), HttpStatusCode.MethodNotAllowed, "method_not_allowed"),
            "bad-continuation" => (new HttpRequestMessage(HttpMethod.Get, "/api/conversations?continuationToken=%%%"), HttpStatusCode.BadRequest, "invalid_continuation_token"),
            "title-too-long" => (new HttpRequestMessage(HttpMethod.Patch, $"/api/conversations/{id}") { Content = new StringContent(JsonSerializer.Serialize(new { title = new string('t', 500) }), Encoding.UTF8, "application/json") }, HttpStatusCode.BadRequest, "title_too_long"),
            "title-invisible" => (new HttpRequestMessage(HttpMethod.Patch, $"/api/conversations/{id}") { Content = new StringContent("{\"title\": \"\\u202e\\u200b\"}", Encoding.UTF8, "application/json") }, HttpStatusCode.BadRequest, "empty_title"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    /// <summary>
    /// A NUL in the request target is refused by Kestrel while it parses the request line, before any app code runs:
    /// 400 with no body and the connection closed. This is the one error without a code (docs/api.md).
    /// </summary>
    [Fact]
    public async Task NulInThePath_IsRefusedByKestrel_BeforeTheApp()
    {
        using var response = await api.Http.GetAsync("/api/conversations/abc%00def", Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync(Cancellation));
    }

    [Fact]
    public async Task Titles_WithControlsAndBidiOverrides_AreStoredClean()
    {
        var session = api.Session();
        using var created = await session.SendAsync(HttpMethod.Post, "/api/conversations", new { title = "report\u202egpj.exe\u0007" });
        var id = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync(Cancellation)).RootElement.GetProperty("id").GetString()!;
        using var renamed = await session.SendAsync(HttpMethod.Patch, $"/api/conversations/{id}", new { title = "line\nbreak\u2066x" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("line breakx", (await session.GetConversationAsync(id)).GetProperty("title").GetString());
        using var list = await session.SendAsync(HttpMethod.Get, "/api/conversations");
        Assert.DoesNotContain("\\u202e", await list.Content.ReadAsStringAsync(Cancellation), StringComparison.OrdinalIgnoreCase);
    }

    private static HttpRequestMessage ExpectingContinue(HttpRequestMessage request)
    {
        request.Headers.ExpectContinue = true;
        return request;
    }

    private static HttpRequestMessage WithHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Add(name, value);
        return request;
    }

    /// <summary>A JSON body of <paramref name="bytes"/> bytes, generated as it is sent (never held in memory).</summary>
    internal static HttpContent LargeBody(long bytes)
    {
        var content = new StreamContent(new GeneratedJsonStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        content.Headers.ContentLength = bytes;
        return content;
    }
}

/// <summary><c>{"content":"aaaa…"}</c> of an exact length, produced on the fly.</summary>
internal sealed class GeneratedJsonStream(long length) : Stream
{
    private static readonly byte[] Head = "{\"content\":\""u8.ToArray();
    private static readonly byte[] Tail = "\"}"u8.ToArray();
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++)
        {
            var at = _position + i;
            buffer[offset + i] = at < Head.Length ? Head[at] : at >= length - Tail.Length ? Tail[at - (length - Tail.Length)] : (byte)'a';
        }

        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
