using System.Globalization;
using System.Text;

namespace Api.Safety;

/// <summary>The sanitized text and how many characters were taken out.</summary>
public sealed record SanitizedText(string Text, int Removed);

/// <summary>
/// Strips characters a reader cannot see but a model reads: Unicode tag characters (U+E0000-U+E007F, used to smuggle
/// instructions), variation selectors used to hide bytes (U+E0100-U+E01EF, U+FE00-U+FE0D), zero-width characters,
/// bidirectional overrides and isolates, soft hyphens, and control characters other than tab and line breaks.
/// The zero-width joiner stays only inside an emoji sequence (between two pictographs, a pictograph and a
/// presentation selector or skin tone); the zero-width non-joiner only between two letters (Persian, Indic scripts);
/// emoji presentation selectors (U+FE0E, U+FE0F) stay. <see cref="HasVisibleText"/> tells whether anything a reader
/// can see is left.
/// </summary>
public static class InputSanitizer
{
    /// <summary>Whether <paramref name="text"/> has a character a reader can see: not a space, a control or a format character.</summary>
    public static bool HasVisibleText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (!Rune.IsWhiteSpace(rune) && category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.OtherNotAssigned))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A title: one line, sanitized like a message, with line breaks and tabs turned into spaces.</summary>
    public static string SanitizeTitle(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        var text = Sanitize(title).Text.Replace('\r', ' ').Replace('\n', ' ').Replace('\t', ' ');
        return string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    public static SanitizedText Sanitize(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        StringBuilder? output = null;
        var removed = 0;

        for (var i = 0; i < input.Length;)
        {
            var rune = Rune.GetRuneAt(input, i);
            var width = rune.Utf16SequenceLength;
            var keep = rune.Value switch
            {
                '\t' or '\n' or '\r' => true,
                0x200D => InEmojiSequence(input, i, width),
                0x200C => BetweenLetters(input, i, width),
                _ => !IsInvisible(rune),
            };

            if (keep)
            {
                output?.Append(input, i, width);
            }
            else
            {
                output ??= new StringBuilder(input.Length).Append(input, 0, i);
                removed++;
            }

            i += width;
        }

        return new SanitizedText(output?.ToString() ?? input, removed);
    }

    private static bool IsInvisible(Rune rune)
    {
        var value = rune.Value;
        return value is >= 0xE0000 and <= 0xE007F          // tag characters
            or >= 0xE0100 and <= 0xE01EF                    // variation selectors 17-256
            or >= 0xFE00 and <= 0xFE0D                      // variation selectors 1-14
            or 0x200B or 0x2060 or 0xFEFF or 0x180E or 0x00AD or 0x034F
            or >= 0x2061 and <= 0x2064                      // invisible operators
            or 0x200E or 0x200F or 0x061C                   // directional marks
            or >= 0x202A and <= 0x202E                      // bidi embeddings and overrides
            or >= 0x2066 and <= 0x2069                      // bidi isolates
            or >= 0xFFF9 and <= 0xFFFB                      // interlinear annotation
            || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control;
    }

    /// <summary>A ZWJ inside an emoji sequence: a pictograph (or its presentation selector or skin tone) before, a pictograph after.</summary>
    private static bool InEmojiSequence(string text, int index, int width)
    {
        if (index == 0 || index + width >= text.Length)
        {
            return false;
        }

        var before = Rune.TryGetRuneAt(text, index - 1, out var single) ? single
            : index >= 2 && Rune.TryGetRuneAt(text, index - 2, out var pair) ? pair : default;
        var after = Rune.TryGetRuneAt(text, index + width, out var next) ? next : default;
        return (IsPictograph(before) || before.Value is 0xFE0F || before.Value is >= 0x1F3FB and <= 0x1F3FF) && IsPictograph(after);
    }

    private static bool BetweenLetters(string text, int index, int width) =>
        index > 0 && index + width < text.Length && char.IsLetter(text[index - 1]) && char.IsLetter(text[index + width]);

    /// <summary>Extended pictographs and symbols: the characters emoji sequences join.</summary>
    private static bool IsPictograph(Rune rune) =>
        rune.Value is >= 0x1F000 and <= 0x1FAFF or >= 0x2600 and <= 0x27BF or >= 0x2B00 and <= 0x2BFF or 0x2640 or 0x2642 or 0x2695 or 0x2696 or 0x2708 or 0x2764;
}
