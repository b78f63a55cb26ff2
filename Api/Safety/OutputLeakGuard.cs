using System.Text;

namespace Api.Safety;

/// <summary>What the guard found in the reply.</summary>
public enum LeakKind
{
    None,
    Canary,
    SystemPromptSpan,
}

/// <summary>
/// Watches one reply as it streams. The canary must never be shown: the guard holds back only a tail that could be
/// the start of the canary (usually nothing, so streaming is not delayed), so a canary split across chunks is caught
/// before any of it is sent.
/// A long verbatim span of the system prompt (case and whitespace aside) cuts the stream when it reaches
/// <c>spanChars</c>; the part of the span sent before that point is short by construction.
/// </summary>
public sealed class OutputLeakGuard
{
    private readonly string _canary;
    private readonly int _spanChars;
    private readonly PromptWindows _promptWindows;
    private readonly StringBuilder _held = new();

    // The last spanChars characters sent, normalized (lower case, runs of white space as one space), as a sliding
    // window compared without allocating: this runs for every character of every reply.
    private readonly char[] _window;
    private int _windowLength;

    public OutputLeakGuard(string canary, string systemPrompt, int spanChars)
    {
        ArgumentException.ThrowIfNullOrEmpty(canary);
        ArgumentNullException.ThrowIfNull(systemPrompt);
        _canary = canary;
        _spanChars = spanChars;
        _window = new char[Math.Max(1, spanChars)];

        _promptWindows = PromptWindows.For(systemPrompt, spanChars);
    }

    public LeakKind Leak { get; private set; }

    /// <summary>Takes the next chunk; returns what may be sent now. After a leak, returns nothing more.</summary>
    public string Append(string chunk)
    {
        if (Leak != LeakKind.None || string.IsNullOrEmpty(chunk))
        {
            return string.Empty;
        }

        // Usually nothing is held: the chunk itself is checked and sent, without a copy.
        string held;
        if (_held.Length == 0)
        {
            held = chunk;
        }
        else
        {
            held = _held.Append(chunk).ToString();
            _held.Clear();
        }

        var canaryAt = held.IndexOf(_canary, StringComparison.OrdinalIgnoreCase);
        if (canaryAt >= 0)
        {
            Leak = LeakKind.Canary;
            return ReleaseChecked(held[..canaryAt]);
        }

        var releasable = held.Length - LongestCanaryPrefixAtEnd(held);
        // Never split a surrogate pair between what is sent and what is held.
        if (releasable > 0 && char.IsHighSurrogate(held[releasable - 1]))
        {
            releasable--;
        }

        if (releasable < held.Length)
        {
            _held.Append(held, releasable, held.Length - releasable);
        }

        return ReleaseChecked(releasable == held.Length ? held : held[..releasable]);
    }

    /// <summary>The reply ended: sends what was held back (it cannot hold a whole canary).</summary>
    public string Flush()
    {
        if (Leak != LeakKind.None)
        {
            return string.Empty;
        }

        var rest = _held.ToString();
        _held.Clear();
        return ReleaseChecked(rest);
    }

    /// <summary>The length of the longest tail of <paramref name="text"/> that the canary starts with.</summary>
    private int LongestCanaryPrefixAtEnd(string text)
    {
        for (var length = Math.Min(_canary.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).Equals(_canary.AsSpan(0, length), StringComparison.OrdinalIgnoreCase))
            {
                return length;
            }
        }

        return 0;
    }

    /// <summary>Returns <paramref name="text"/> itself when it completes no span of the system prompt; else the part before the span ends.</summary>
    private string ReleaseChecked(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (_windowLength == 0 || _window[_windowLength - 1] == ' ')
                {
                    continue;
                }

                Push(' ');
            }
            else
            {
                Push(char.ToLowerInvariant(c));
            }

            if (_windowLength == _spanChars && _promptWindows.Contains(_window.AsSpan(0, _windowLength)))
            {
                Leak = LeakKind.SystemPromptSpan;
                return text[..i];
            }
        }

        return text;
    }

    private void Push(char c)
    {
        if (_windowLength == _window.Length)
        {
            Array.Copy(_window, 1, _window, 0, _windowLength - 1);
            _windowLength--;
        }

        _window[_windowLength++] = c;
    }
}
