using Api.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// A short title after the first exchange, asked of the LLM with a tight time and token budget; when that
/// fails or is slow, the first words of the user's message.
/// </summary>
public sealed class TitleGenerator(IOptions<LlmOptions> options, ILogger<TitleGenerator> logger)
{
    public const int MaxTitleChars = 60;

    public async Task<string> GenerateAsync(IChatClient chat, string userMessage, string reply, string? model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chat);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.Value.TitleTimeout);
        try
        {
            var response = await chat.GetResponseAsync(
                [
                    new ChatMessage(ChatRole.System, "Write a title of at most six words for this conversation. Reply with the title only: no quotes, no punctuation at the end."),
                    new ChatMessage(ChatRole.User, $"User: {Truncate(userMessage, 800)}\nAssistant: {Truncate(reply, 800)}"),
                ],
                new ChatOptions { MaxOutputTokens = 24, Temperature = 0.2f, ModelId = model },
                cts.Token);

            var title = Clean(response.Text);
            return string.IsNullOrWhiteSpace(title) ? Fallback(userMessage) : title;
        }
        catch (Exception ex)
        {
            logger.LogInformation("Title generation failed ({Reason}); using the plain title.", ex.GetType().Name);
            return Fallback(userMessage);
        }
    }

    /// <summary>The first words of the message, on one line, at most <see cref="MaxTitleChars"/> characters.</summary>
    public static string Fallback(string userMessage)
    {
        var oneLine = Safety.InputSanitizer.SanitizeTitle(userMessage ?? string.Empty);
        if (oneLine.Length == 0)
        {
            return "New conversation";
        }

        if (oneLine.Length <= MaxTitleChars)
        {
            return oneLine;
        }

        var cut = oneLine.LastIndexOf(' ', MaxTitleChars - 1);
        return string.Concat(oneLine.AsSpan(0, cut > 20 ? cut : MaxTitleChars - 1), "…");
    }

    private static string Clean(string text)
    {
        // The model's words: cleaned like anything a user types (controls, bidi overrides, invisibles).
        var line = Safety.InputSanitizer.Sanitize(text).Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        line = line.Trim().Trim('"', '\'', '*', '#', '.', ' ');
        if (line.StartsWith("Title:", StringComparison.OrdinalIgnoreCase))
        {
            line = line["Title:".Length..].Trim();
        }

        return line.Length <= MaxTitleChars ? line : Fallback(line);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
