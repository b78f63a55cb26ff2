using System.Text;
using Api.Auth;
using Api.Llm;
using Api.ModelCalls;
using Api.Safety;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Api.Chat;

/// <summary>
/// A short title after the first exchange, asked of the model as a request of its own through the pipeline (route
/// <c>title</c>: the breaker, the user's token budget, fair admission, the leak guard, its usage in the ledger) with a
/// tight time and token budget, of the catalogue's title model; when that fails, is refused or is slow, the first words of the user's message.
/// </summary>
public sealed class TitleGenerator(ModelCallPipeline pipeline, LlmBackends backends, IOptions<LlmOptions> options, ILogger<TitleGenerator> logger)
{
    public const int MaxTitleChars = 60;

    private static readonly string Instructions = PromptTexts.Load("title-instructions.txt");

    public async Task<string> GenerateAsync(CurrentUser user, string userMessage, string reply, string? model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.Value.TitleTimeout);
        try
        {
            var admission = await pipeline.AdmitAsync(new ModelCall
            {
                Route = ModelRoute.Title,
                User = user,
                // The catalogue's title writer (a small fast model), else the model that answered.
                Model = backends.Titles?.Name ?? model,
                Temperature = 0.2,
                MaxOutputTokens = 24,
                Stream = false,
                Where = "a title",
                Context = new FixedContext(
                [
                    new ChatMessage(ChatRole.System, Instructions),
                    new ChatMessage(ChatRole.User, $"User: {Truncate(userMessage, 800)}\nAssistant: {Truncate(reply, 800)}"),
                ]),
            }, cts.Token);
            if (admission.Run is not { } run)
            {
                logger.LogInformation("No title from the model ({Code}); using the plain title.", admission.Refusal!.Code);
                return Fallback(userMessage);
            }

            await using (run)
            {
                var text = new StringBuilder();
                await foreach (var piece in run.StreamAsync(cts.Token))
                {
                    text.Append(piece);
                }

                var title = run.Outcome.Failure is null && !run.Outcome.Cancelled ? Clean(text.ToString()) : string.Empty;
                return string.IsNullOrWhiteSpace(title) ? Fallback(userMessage) : title;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
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
