using Web.Errors;

namespace Web.Services;

/// <summary>
/// A failure of the chat API, with a message written for the person using the app: the sentence of the error's code
/// in the API's error catalogue (Api/Errors/catalogue.json, linked into the web), with the error's own words and the
/// wait filled in.
/// </summary>
public sealed record ChatApiError(int Status, string? Code, string UserMessage, TimeSpan? RetryAfter, bool Partial = false)
{
    private static readonly IReadOnlyDictionary<string, ErrorKind> Catalogue = ErrorCatalogueFile.Load(typeof(ChatApiError).Assembly);

    /// <summary>Status 0: no answer at all. The one sentence the catalogue cannot hold, since the API never says it.</summary>
    private const string UnreachableSentence = "The chat service cannot be reached. Check your connection and try again.";

    public static ChatApiError From(int status, ProblemDto? problem, TimeSpan? retryAfterHeader = null)
    {
        var retryAfter = retryAfterHeader ?? (problem?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        var code = problem?.Code;
        var message = status == 0 ? UnreachableSentence : Fill(KindOf(status, code), problem?.Detail, retryAfter);
        return new ChatApiError(status, code, message, retryAfter, problem?.Partial ?? false);
    }

    public static ChatApiError Unreachable() => From(0, null);

    /// <summary>The code's kind; for a code the web does not know (a newer API) or none, its status's.</summary>
    private static ErrorKind KindOf(int status, string? code)
    {
        if (code is not null && Catalogue.TryGetValue(code, out var kind))
        {
            return kind;
        }

        return ErrorCatalogueFile.ForStatus(Catalogue, status, anyOfTheStatus: true);
    }

    private static string Fill(ErrorKind kind, string? detail, TimeSpan? retryAfter)
    {
        var words = string.IsNullOrWhiteSpace(detail) ? kind.Title + "." : detail.Trim();
        var wait = retryAfter is { } delay ? $" Try again in {Describe(delay)}." : " Try again shortly.";
        return kind.Sentence
            .Replace("{detail}", words, StringComparison.Ordinal)
            .Replace("{wait}", wait, StringComparison.Ordinal)
            .Replace("{in}", Describe(retryAfter ?? TimeSpan.Zero), StringComparison.Ordinal);
    }

    /// <summary>"12 seconds", "3 minutes", "2 hours 5 minutes".</summary>
    public static string Describe(TimeSpan delay)
    {
        if (delay < TimeSpan.FromSeconds(90))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds));
            return seconds == 1 ? "1 second" : $"{seconds} seconds";
        }

        if (delay < TimeSpan.FromHours(1))
        {
            return $"{(int)Math.Ceiling(delay.TotalMinutes)} minutes";
        }

        return $"{(int)delay.TotalHours} hours {delay.Minutes} minutes";
    }
}

/// <summary>Thrown by <see cref="ChatApiClient"/> for any failed call.</summary>
public sealed class ChatApiException(ChatApiError error, Exception? inner = null) : Exception(error.UserMessage, inner)
{
    public ChatApiError Error { get; } = error;
}
