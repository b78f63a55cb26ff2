namespace Web.Markdown;

/// <summary>Bound from <c>Markdown</c>.</summary>
public sealed class MarkdownOptions
{
    public const string SectionName = "Markdown";

    /// <summary>
    /// Hosts whose images a reply may show, for example <c>learn.microsoft.com</c>. Empty by default: a model's reply
    /// must not make the browser fetch from anywhere (tracking pixels, data exfiltration through image URLs).
    /// </summary>
    public IList<string> AllowedImageHosts { get; } = [];
}
