using System.ComponentModel.DataAnnotations;

namespace Api.Limits;

/// <summary>
/// Bound from <c>Limits</c>: what one user may use. Requests per minute and concurrent streams are counted in the
/// Redis-compatible store when one is configured (<c>ConnectionStrings:cache</c>), for all API replicas together, and
/// per replica otherwise or while it is away; output tokens per day are counted in Table Storage.
/// </summary>
public sealed class UserLimitsOptions
{
    public const string SectionName = "Limits";

    [Range(1, 100_000)]
    public int RequestsPerMinute { get; set; } = 20;

    [Range(1, 1_000)]
    public int ConcurrentStreams { get; set; } = 2;

    [Range(1, 1_000_000_000)]
    public int OutputTokensPerDay { get; set; } = 200_000;

    /// <summary>The input tokens a user may embed a day (<c>/v1/embeddings</c>), apart from the output tokens of chat.</summary>
    [Range(1, 1_000_000_000)]
    public int EmbeddingTokensPerDay { get; set; } = 2_000_000;
}
