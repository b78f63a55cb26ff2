using System.Net;
using System.Text;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Web.Auth;
using Web.Components.Layout;
using Web.Components.Pages.Admin;
using Web.Services;
using Web.Services.Admin;

namespace Tests.Unit.Web;

/// <summary>
/// The admin pages for people without the role, against an API that answers as the real one does (its JSON, its
/// ProblemDetails): the page says why in the API's words and draws nothing; the sidebar's admin link shows only to
/// a user the API says may use an admin role.
/// </summary>
public sealed class AdminPagesTests : IAsyncDisposable
{
    private readonly BunitContext _context = WebComponentTestContext.Create();
    private readonly Dictionary<string, (HttpStatusCode Status, string Json)> _answers = new(StringComparer.Ordinal);

    public AdminPagesTests()
    {
        var http = new HttpClient(new Answers(_answers)) { BaseAddress = new Uri("http://api") };
        _context.Services.AddSingleton(new ChatApiClient(http, new NoToken()));
        _context.Services.AddSingleton<AdminApiClient>();
        _context.Services.AddSingleton(TimeProvider.System);
        _context.Services.AddSingleton<ChatState>();
        _context.Services.AddSingleton(Microsoft.Extensions.Logging.Abstractions.NullLogger<ChatState>.Instance);
        _context.Services.AddSingleton(new WebAuthOptions());
        _context.AddAuthorization().SetAuthorized("Developer");
        _context.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _context.Render<MudPopoverProvider>();
    }

    [Fact]
    public void UsagePage_WithoutTheRole_SaysWhyInTheApisWords_AndDrawsNothing()
    {
        const string problem = """{"status":403,"title":"Forbidden","detail":"This needs the Admin or Auditor role.","code":"admin_role_required"}""";
        foreach (var path in new[] { "/api/admin/usage", "/api/admin/queue" })
        {
            _answers[path] = (HttpStatusCode.Forbidden, problem);
        }

        var page = _context.Render<UsagePage>();

        page.WaitForAssertion(() => Assert.Equal("admin_role_required", page.Find("[role=alert]").GetAttribute("data-code")));
        Assert.Contains("This needs the Admin or Auditor role.", page.Find("[role=alert]").TextContent);
        Assert.Empty(page.FindAll("[data-chart]"));
        Assert.Equal("false", page.Find(".admin").GetAttribute("data-loaded"));
    }

    [Theory]
    [InlineData("[]", false)]
    [InlineData("[\"Auditor\"]", true)]
    [InlineData("[\"Admin\"]", true)]
    public void Sidebar_ShowsTheAdminLink_OnlyToAUserWhoMayUseAnAdminRole(string roles, bool shown)
    {
        _answers["/api/usage/me"] = (HttpStatusCode.OK, $$"""
            {"day":"2026-12-04","requests":0,"promptTokens":0,"outputTokens":0,"outputTokensPerDay":100,"outputTokensLeft":100,
             "requestsPerMinute":10,"concurrentStreams":2,"resetsAt":"2026-12-05T00:00:00Z","groupBudgets":[],"adminRoles":{{roles}}}
            """);

        var sidebar = _context.Render<ConversationSidebar>();

        sidebar.WaitForAssertion(() => Assert.NotEmpty(sidebar.FindAll(".keys-link")));
        sidebar.WaitForAssertion(() => Assert.Equal(shown, sidebar.FindAll("a.admin-link").Count == 1));
        if (shown)
        {
            Assert.Equal("admin", sidebar.Find("a.admin-link").GetAttribute("href"));
        }
    }

    // The library's popover service disposes asynchronously only.
    public ValueTask DisposeAsync() => _context.DisposeAsync();

    /// <summary>The API, as far as these pages ask it: a JSON answer by path; anything else is an empty list or 404.</summary>
    private sealed class Answers(Dictionary<string, (HttpStatusCode Status, string Json)> answers) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var (status, json) = answers.TryGetValue(path, out var answer) ? answer
                : path is "/api/conversations" ? (HttpStatusCode.OK, """{"items":[],"continuationToken":null}""")
                : path is "/api/models" ? (HttpStatusCode.OK, """{"models":[],"error":null}""")
                : (HttpStatusCode.NotFound, """{"status":404,"code":"not_found"}""");
            var mediaType = (int)status >= 400 ? "application/problem+json" : "application/json";
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) });
        }
    }

    /// <summary>The API double needs no token.</summary>
    private sealed class NoToken : IAccessTokenProvider
    {
        public Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public Task<string?> GetSignInProofAsync() => Task.FromResult<string?>(null);
    }
}
