using Api.Chat;
using Api.Conversations;
using Microsoft.Extensions.AI;

namespace Tests.Unit.Chat;

public sealed class ChatContextBuilderTests
{
    private static StoredMessage Message(int sequence, string role, string content, MessageStatus status = MessageStatus.Complete) =>
        new($"{sequence:D6}", sequence, role, content, status, DateTimeOffset.UtcNow);

    [Fact]
    public void Build_EverythingFits_KeepsOrderWithSystemFirst()
    {
        var history = new[] { Message(0, "user", "q1"), Message(1, "assistant", "a1") };

        var messages = ChatContextBuilder.Build("system", history, "q2", tokenBudget: 1_000, reservedForOutput: 100);

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal(["system", "q1", "a1", "q2"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Build_OverBudget_DropsOldestTurnsFirst()
    {
        var history = Enumerable.Range(0, 10).Select(i => Message(i, i % 2 == 0 ? "user" : "assistant", new string('x', 400) + i)).ToList();

        var messages = ChatContextBuilder.Build("system", history, "new", tokenBudget: 600, reservedForOutput: 100);

        Assert.Equal("system", messages[0].Text);
        Assert.Equal("new", messages[^1].Text);
        Assert.EndsWith("9", messages[^2].Text);
        Assert.DoesNotContain(messages, m => m.Text.EndsWith('0'));
        Assert.Equal(ChatRole.User, messages[1].Role);
    }

    [Fact]
    public void Build_FailedReplies_AreLeftOut()
    {
        var history = new[] { Message(0, "user", "q1"), Message(1, "assistant", string.Empty, MessageStatus.Failed), Message(2, "user", "q2"), Message(3, "assistant", "partial", MessageStatus.Incomplete) };

        var messages = ChatContextBuilder.Build("system", history, "q3", 1_000, 100);

        Assert.Equal(["system", "q1", "q2", "partial", "q3"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Build_WithReminder_PutsItRightBeforeTheNewMessage()
    {
        var messages = ChatContextBuilder.Build("system", [], "attack", 1_000, 100, newMessageFlagged: true, reminder: "careful");

        Assert.Equal([(ChatRole.System, "system"), (ChatRole.System, "careful"), (ChatRole.User, "attack")], messages.Select(m => (m.Role, m.Text)));
    }

    /// <summary>A flagged message sent again on a later turn keeps its reminder; one dropped for the budget takes its reminder with it.</summary>
    [Fact]
    public void Build_AFlaggedMessageOfTheHistory_HasTheReminderBeforeIt_OnEveryLaterTurn()
    {
        var history = new[] { Message(0, "user", "attack") with { InjectionFlagged = true }, Message(1, "assistant", "a1"), Message(2, "user", "q2"), Message(3, "assistant", "a2") };

        var messages = ChatContextBuilder.Build("system", history, "q3", 1_000, 100, reminder: "careful");
        // Room for every message but not for the reminder too: the flagged message goes, and with it the orphaned reply after it.
        var tight = ChatContextBuilder.Build("system", history, "q3", 138, 100, reminder: "careful");

        Assert.Equal(
            [(ChatRole.System, "system"), (ChatRole.System, "careful"), (ChatRole.User, "attack"), (ChatRole.Assistant, "a1"), (ChatRole.User, "q2"), (ChatRole.Assistant, "a2"), (ChatRole.User, "q3")],
            messages.Select(m => (m.Role, m.Text)));
        Assert.Equal(["system", "q2", "a2", "q3"], tight.Select(m => m.Text));
    }
}
