namespace Api.Replies;

/// <summary>Bound from <c>Replies</c>: how long replies in progress wait for a reader, and how long their logs last.</summary>
public sealed class ReplyOptions
{
    public const string SectionName = "Replies";

    /// <summary>A reply nobody reads for this long (its client left and nobody resumed it) is cancelled: no GPU time is spent on it.</summary>
    public TimeSpan AbandonAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a finished reply's log can still be resumed (its end fetched); the saved conversation has it after that.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(2);
}
