using System.Text;

namespace Api.Safety;

/// <summary>
/// Every run of <c>spanChars</c> characters of the system prompt, normalized (lower case, runs of white space as one
/// space): the spans a reply must not repeat. Built once per prompt and shared, read only, by every reply's
/// <see cref="OutputLeakGuard"/>; building it for each reply was the API's largest allocation of its own per turn.
/// </summary>
public sealed class PromptWindows
{
    private static PromptWindows? s_last;

    private readonly string _prompt;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _windows;

    private PromptWindows(string prompt, int spanChars)
    {
        _prompt = prompt;
        SpanChars = spanChars;
        var normalized = Normalize(prompt);
        var windows = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + spanChars <= normalized.Length; i++)
        {
            windows.Add(normalized.Substring(i, spanChars));
        }

        _windows = windows.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The length of each window.</summary>
    public int SpanChars { get; }

    /// <summary>The windows of <paramref name="systemPrompt"/>: the ones made last when the prompt and length are the same.</summary>
    public static PromptWindows For(string systemPrompt, int spanChars)
    {
        ArgumentNullException.ThrowIfNull(systemPrompt);
        var last = Volatile.Read(ref s_last);
        if (last is not null && last.SpanChars == spanChars && string.Equals(last._prompt, systemPrompt, StringComparison.Ordinal))
        {
            return last;
        }

        var made = new PromptWindows(systemPrompt, spanChars);
        Volatile.Write(ref s_last, made);
        return made;
    }

    /// <summary>Whether <paramref name="normalizedWindow"/> is one of the prompt's windows.</summary>
    public bool Contains(ReadOnlySpan<char> normalizedWindow) => _windows.Contains(normalizedWindow);

    private static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                if (builder.Length > 0 && builder[^1] != ' ')
                {
                    builder.Append(' ');
                }
            }
            else
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString().Trim();
    }
}
