using Api.Chat;

namespace Tests.Unit.Chat;

public sealed class TitleGeneratorTests
{
    [Theory]
    [InlineData("Hello", "Hello")]
    [InlineData("  multi\n line   text ", "multi line text")]
    [InlineData("", "New conversation")]
    public void Fallback_ShortText_IsTheTextOnOneLine(string message, string title)
    {
        Assert.Equal(title, TitleGenerator.Fallback(message));
    }

    [Fact]
    public void Fallback_LongText_CutsAtAWordWithEllipsis()
    {
        var title = TitleGenerator.Fallback("How do I configure the horizontal pod autoscaler for GPU workloads on AKS with KEDA?");

        Assert.True(title.Length <= TitleGenerator.MaxTitleChars);
        Assert.EndsWith("…", title);
        Assert.StartsWith("How do I configure the horizontal pod autoscaler", title);
    }
}
