using Bunit;
using Web.Components.Pages.Chat;
using Web.Services;

namespace Tests.Unit.Web;

/// <summary>The status banner and how message states are shown.</summary>
public sealed class ChatComponentsTests : IDisposable
{
    private readonly BunitContext _context = WebComponentTestContext.Create();

    [Fact]
    public void StatusBanner_Available_ShowsNothing()
    {
        var banner = _context.Render<StatusBanner>(parameters => parameters.Add(p => p.Status, new StatusDto("available", null, "m", DateTimeOffset.UtcNow)));

        Assert.Empty(banner.Markup.Trim());
    }

    [Fact]
    public void StatusBanner_Degraded_ExplainsWithTheReason()
    {
        var banner = _context.Render<StatusBanner>(parameters => parameters.Add(p => p.Status, new StatusDto("degraded", "The model is running on CPU, not on a GPU: replies will be slow.", "m", DateTimeOffset.UtcNow)));

        var element = banner.Find("[role=status]");
        Assert.Contains("banner-degraded", element.ClassName);
        Assert.Contains("reduced mode", element.TextContent);
        Assert.Contains("running on CPU", element.TextContent);
    }

    [Fact]
    public void StatusBanner_Unavailable_SaysHistoryIsSafe()
    {
        var banner = _context.Render<StatusBanner>(parameters => parameters.Add(p => p.Status, new StatusDto("unavailable", "The model server does not answer.", null, DateTimeOffset.UtcNow)));

        var text = banner.Find("[role=status]").TextContent;
        Assert.Contains("unavailable right now", text);
        Assert.Contains("does not answer", text);
        Assert.Contains("conversations are still here", text);
    }

    [Theory]
    [InlineData("complete", false, null, "Regenerate")]
    [InlineData("incomplete", false, "Incomplete", "Retry")]
    [InlineData("incomplete", true, "Stopped", "Retry")]
    [InlineData("failed", false, "Failed", "Retry")]
    public void MessageView_LastReply_ShowsItsStateAndTheRightAction(string status, bool stopped, string? badge, string action)
    {
        var view = RenderMessage(Reply(status), isLast: true, stopped: stopped);

        Assert.Equal(status, view.Find("article").GetAttribute("data-status"));
        Assert.Equal(badge, view.FindAll(".badge").Select(b => b.TextContent).SingleOrDefault());
        Assert.Equal(action, view.Find("button").TextContent.Trim());
    }

    [Fact]
    public void MessageView_EarlierReply_HasNoAction()
    {
        var view = RenderMessage(Reply("failed"), isLast: false);

        Assert.Empty(view.FindAll("button"));
        Assert.Equal("Failed", view.Find(".badge").TextContent);
    }

    [Fact]
    public void MessageView_FallbackReply_SaysWhichModelAnswered()
    {
        var view = RenderMessage(Reply("complete") with { Fallback = true, Model = "qwen2.5:0.5b" }, isLast: false);

        Assert.Contains("fallback model qwen2.5:0.5b", view.Find(".badge-fallback").TextContent);
    }

    [Fact]
    public void MessageView_UserText_IsTextNotMarkup()
    {
        var view = RenderMessage(new MessageDto("1", "user", "<b>bold?</b> **no**", "complete", DateTimeOffset.UtcNow, null, null, null, null, null, false), isLast: false);

        Assert.Empty(view.FindAll("b, strong"));
        Assert.Equal("<b>bold?</b> **no**", view.Find(".user-text").TextContent);
    }

    [Fact]
    public void MessageView_RetryClicked_RaisesTheCallback()
    {
        var clicks = 0;
        var view = _context.Render<MessageView>(parameters => parameters
            .Add(p => p.Message, Reply("failed"))
            .Add(p => p.IsLast, true)
            .Add(p => p.OnRetry, () => clicks++));

        view.Find("button.retry").Click();

        Assert.Equal(1, clicks);
    }

    [Theory]
    [InlineData(429, "requests_per_minute", 12, "faster than allowed. Try again in 12 seconds.")]
    [InlineData(429, "llm_capacity", 2, "busy with other requests. Try again in 2 seconds.")]
    [InlineData(429, "daily_tokens", 7_500, "resets at midnight UTC, in 2 hours 5 minutes.")]
    [InlineData(503, "llm_unavailable", 30, "Try again in 30 seconds.")]
    [InlineData(404, "not_found", null, "no longer exists")]
    [InlineData(0, null, null, "cannot be reached")]
    [InlineData(503, "persist_deferred", null, "saved when storage is back")]
    [InlineData(503, "storage_unavailable", 5, "cannot be loaded or saved right now. Try again in 5 seconds.")]
    [InlineData(503, "server_shutting_down", 1, "The server restarted during the reply")]
    [InlineData(410, "conversation_deleted", null, "was deleted while the reply")]
    [InlineData(409, "conversation_full", null, "Start a new one.")]
    [InlineData(403, "recent_sign_in_required", null, "needs a recent sign-in")]
    [InlineData(400, "invalid_value", null, "The model server does not answer.")]
    [InlineData(418, "a_code_from_a_newer_api", null, "The model server does not answer.")]
    public void ChatApiError_EveryFailure_BecomesAPlainSentence(int status, string? code, int? retryAfter, string expected)
    {
        var error = ChatApiError.From(status, new ProblemDto(status, "t", "The model server does not answer.", code, retryAfter, null, null));

        Assert.Contains(expected, error.UserMessage);
    }

    private IRenderedComponent<MessageView> RenderMessage(MessageDto message, bool isLast, bool stopped = false) =>
        _context.Render<MessageView>(parameters => parameters
            .Add(p => p.Message, message)
            .Add(p => p.IsLast, isLast)
            .Add(p => p.Stopped, stopped)
            .Add(p => p.OnRetry, () => { }));

    private static MessageDto Reply(string status) =>
        new("000001", "assistant", "Some **reply**", status, DateTimeOffset.UtcNow, "m", 1, 2, 3, 4, false);

    public void Dispose() => _context.Dispose();
}
