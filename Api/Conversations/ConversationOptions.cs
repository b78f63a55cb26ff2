using System.ComponentModel.DataAnnotations;

namespace Api.Conversations;

/// <summary>Bound from <c>Conversations</c>.</summary>
public sealed class ConversationOptions
{
    public const string SectionName = "Conversations";

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string TableName { get; set; } = Shared.TableNames.Conversations;

    /// <summary>A conversation longer than this takes no new turns (400): history reads and context building stay bounded.</summary>
    [Range(2, 10_000)]
    public int MaxMessagesPerConversation { get; set; } = 400;

    /// <summary>The longest user message accepted (413 beyond).</summary>
    [Range(1, 200_000)]
    public int MaxMessageChars { get; set; } = 16_000;

    [Range(1, 1_000)]
    public int MaxTitleChars { get; set; } = 120;

    [Range(1, 200)]
    public int MaxPageSize { get; set; } = 50;

    /// <summary>Characters of recent conversations' history kept warm per replica (0 turns it off): 32 M is about 64 MB.</summary>
    [Range(0, 1_000_000_000)]
    public long HistoryCacheChars { get; set; } = 32_000_000;
}
