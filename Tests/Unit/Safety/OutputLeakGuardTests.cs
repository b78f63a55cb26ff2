using System.Text;
using Api.Safety;

namespace Tests.Unit.Safety;

public sealed class OutputLeakGuardTests
{
    private const string Canary = "cnry-7f3a9c2e41d8b6";
    private const string Prompt = "You are a helpful assistant for software engineers. Answer concisely and use Markdown for code.";

    [Fact]
    public void Append_CanarySplitAcrossChunks_NothingOfItIsReleased()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);
        var sent = new StringBuilder();

        foreach (var chunk in new[] { "The marker is c", "nry-7f3", "a9c2e41", "d8b6 and then more" })
        {
            sent.Append(guard.Append(chunk));
        }

        sent.Append(guard.Flush());
        Assert.Equal(LeakKind.Canary, guard.Leak);
        Assert.Equal("The marker is ", sent.ToString());
    }

    [Fact]
    public void Guards_ForTwoPrompts_EachCatchItsOwnPromptOnly_ThoughThePromptsWindowsAreShared()
    {
        const string other = "You review pull requests for a payments team and never approve a change without tests.";
        var first = new OutputLeakGuard(Canary, Prompt, 30);
        var second = new OutputLeakGuard(Canary, other, 30);

        Assert.Equal(Prompt, second.Append(Prompt));
        Assert.Equal(other, first.Append(other));
        var firstAgain = new OutputLeakGuard(Canary, Prompt, 30);
        var secondAgain = new OutputLeakGuard(Canary, other, 30);
        firstAgain.Append(Prompt);
        secondAgain.Append(other);

        Assert.Equal(LeakKind.None, first.Leak);
        Assert.Equal(LeakKind.None, second.Leak);
        Assert.Equal(LeakKind.SystemPromptSpan, firstAgain.Leak);
        Assert.Equal(LeakKind.SystemPromptSpan, secondAgain.Leak);
    }

    [Fact]
    public void Append_CanaryInAnyCase_IsCaught()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);

        var sent = guard.Append("x " + Canary.ToUpperInvariant());

        Assert.Equal(LeakKind.Canary, guard.Leak);
        Assert.Equal("x ", sent);
    }

    [Fact]
    public void Append_OrdinaryText_StreamsWithoutHoldingBack()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);

        Assert.Equal("Hello", guard.Append("Hello"));
        Assert.Equal(" world.", guard.Append(" world."));
        Assert.Equal(string.Empty, guard.Flush());
        Assert.Equal(LeakKind.None, guard.Leak);
    }

    [Fact]
    public void Append_TailThatCouldStartTheCanary_IsHeldThenReleased()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);

        Assert.Equal("see ", guard.Append("see cnr"));
        Assert.Equal("cnry is a word", guard.Append("y is a word"));
        Assert.Equal(LeakKind.None, guard.Leak);
    }

    [Fact]
    public void Append_SystemPromptVerbatim_IsCutAtTheSpanLength()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);
        var sent = new StringBuilder();

        foreach (var chunk in Prompt.Chunk(7))
        {
            sent.Append(guard.Append(new string(chunk)));
        }

        Assert.Equal(LeakKind.SystemPromptSpan, guard.Leak);
        Assert.True(sent.Length < 60, $"Sent {sent.Length} characters of the prompt.");
        Assert.Equal(string.Empty, guard.Append("anything after"));
    }

    [Fact]
    public void Append_SystemPromptWithOtherSpacingAndCase_IsStillCaught()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);

        guard.Append("YOU ARE A HELPFUL    ASSISTANT\nFOR SOFTWARE ENGINEERS. ANSWER CONCISELY AND USE MARKDOWN");

        Assert.Equal(LeakKind.SystemPromptSpan, guard.Leak);
    }

    [Fact]
    public void Append_ShortQuoteOfThePrompt_IsAllowed()
    {
        var guard = new OutputLeakGuard(Canary, Prompt, 60);

        guard.Append("I am a helpful assistant for software engineers, how can I help?");

        Assert.Equal(LeakKind.None, guard.Leak);
    }
}
