using System.Globalization;
using System.Text;

namespace Api.Safety;

/// <summary>The sanitized text and how many characters were taken out.</summary>
public sealed record SanitizedText(string Text, int Removed);

/// <summary>
/// Strips characters a reader cannot see but a model reads: Unicode tag characters (U+E0000-U+E007F, used to smuggle
/// instructions), variation selectors used to hide bytes (U+E0100-U+E01EF, U+FE00-U+FE0D), zero-width characters,
/// bidirectional overrides and isolates, soft hyphens, and control characters other than tab and line breaks.
/// Zero-width joiners stay where they join two non-ASCII characters (emoji sequences, Indic and Persian scripts);
/// emoji presentation selectors (U+FE0E, U+FE0F) stay.
/// </summary>
public static class InputSanitizer
{
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
                0x200C or 0x200D => JoinsNonAscii(input, i, width),
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

    private static bool JoinsNonAscii(string text, int index, int width)
    {
        if (index == 0 || index + width >= text.Length)
        {
            return false;
        }

        var before = text[index - 1];
        var after = text[index + width];
        return before > 0x7F && after > 0x7F;
    }
}
