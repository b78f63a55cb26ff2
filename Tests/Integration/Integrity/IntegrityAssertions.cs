using System.Net;
using System.Text.Json;
using Api.Auth;
using Api.Conversations;

namespace Tests.Integration.Integrity;

/// <summary>What every race and fault test checks at its end: the documented statuses, a code on every error, a consistent store.</summary>
internal static class IntegrityAssertions
{
    /// <summary>An error response is ProblemDetails with a stable code; none is a 5xx unless it is one of <paramref name="allowed5xx"/>.</summary>
    public static async Task<string?> CodeOfAsync(HttpResponseMessage response, params HttpStatusCode[] allowed5xx)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode < 500 || allowed5xx.Contains(response.StatusCode), $"{(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString() ?? string.Empty, StringComparison.Ordinal);
        var code = JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
        Assert.False(string.IsNullOrEmpty(code), body);
        return code;
    }

    /// <summary>The audit of the user's partition finds nothing wrong.</summary>
    public static async Task AssertConsistentAsync(IntegrityApi api, string user)
    {
        var report = await new ConversationAudit(api.Tables).RunAsync(CurrentUser.ToPartitionKey(user), TestContext.Current.CancellationToken);

        Assert.True(report.Clean, string.Join('\n', report.Findings));
    }

    /// <summary>Waits (polling, up to 30 s) for <paramref name="condition"/>; fails the test if it never holds.</summary>
    public static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600 && !await condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(await condition(), "The condition did not become true within 30 s.");
    }

    /// <summary>A stream that did not end with a <c>done</c> event ended with an <c>error</c> event that has a code in <paramref name="codes"/>.</summary>
    public static void EndedWithDoneOr(ChatResult result, params string[] codes)
    {
        if (result.Status != HttpStatusCode.OK)
        {
            var code = result.Problem.GetProperty("code").GetString();
            Assert.True(codes.Contains(code), $"{(int)result.Status} {code}: {result.Body}");
            return;
        }

        var last = Assert.IsType<SseEvent>(result.Events.LastOrDefault(e => e.Name is "done" or "error"), exactMatch: false);
        if (last.Name == "error")
        {
            Assert.Contains(last.Json.GetProperty("code").GetString(), codes);
        }
    }
}
