using Web.Auth;

namespace Tests.Unit.Web;

/// <summary>
/// The sign-in's return address stays on this site. Browsers remove ASCII tabs and newlines from a URL before parsing
/// it (WHATWG URL Standard, basic URL parser: "remove all ASCII tab or newline from input"), so a path that holds one
/// can turn into a scheme-relative URL to another host.
/// </summary>
public sealed class SafeReturnUrlTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/c/abc?x=1", "/c/abc?x=1")]
    [InlineData("/keys", "/keys")]
    public void PathsOnThisSite_AreKept(string returnUrl, string expected) =>
        Assert.Equal(expected, WebAuthentication.SafeReturnUrl(returnUrl));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("/\r/evil.example")]
    [InlineData("/ /evil.example")]
    [InlineData("/\u0000/evil.example")]
    [InlineData("evil.example")]
    public void AddressesABrowserCouldReadAsAnotherHost_BecomeTheHomePage(string? returnUrl) =>
        Assert.Equal("/", WebAuthentication.SafeReturnUrl(returnUrl));
}
