using System.Security.Claims;
using Api.Auth;

namespace Tests.Unit.Auth;

public sealed class CurrentUserTests
{
    [Fact]
    public void From_EntraToken_UsesTheObjectId()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("oid", "5f0a3c4e-1b2d-4e6f-8a9b-0c1d2e3f4a5b"), new Claim("sub", "pairwise-sub")], "Bearer"));

        var user = CurrentUser.From(principal);

        Assert.Equal("5f0a3c4e-1b2d-4e6f-8a9b-0c1d2e3f4a5b", user!.Id);
        Assert.Equal("u_5f0a3c4e-1b2d-4e6f-8a9b-0c1d2e3f4a5b", user.PartitionKey);
    }

    [Fact]
    public void From_Anonymous_IsNull()
    {
        Assert.Null(CurrentUser.From(new ClaimsPrincipal(new ClaimsIdentity())));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("tab\tin id")]
    public void ToPartitionKey_ForbiddenCharacters_AreEncoded(string id)
    {
        var key = CurrentUser.ToPartitionKey(id);

        Assert.StartsWith("x_", key);
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
    }

    [Fact]
    public void ToPartitionKey_DifferentIds_NeverCollide()
    {
        Assert.NotEqual(CurrentUser.ToPartitionKey("a/b"), CurrentUser.ToPartitionKey("a#b"));
        Assert.NotEqual(CurrentUser.ToPartitionKey("x_YQ"), CurrentUser.ToPartitionKey("a"));
    }
}
