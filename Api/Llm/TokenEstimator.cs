using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace Api.Llm;

/// <summary>
/// A conservative token count, for models whose tokenizer the API does not have (Ollama has no tokenize route): it
/// errs high, so that what it lets through fits the model's window. Each kind of text is counted by what a byte-level
/// BPE vocabulary (Qwen's, Llama's, OpenAI's) spends on it at most in ordinary use:
/// <list type="bullet">
/// <item>a word of ASCII letters, a token per four letters (split where a capital follows a small letter), past twelve
/// letters a token per two; a run that mixes capitals into small letters past its start (identifiers, base64), a token
/// per two;</item>
/// <item>a digit, a punctuation mark, a newline: a token each (Qwen splits digits one by one); a space before a Latin or
/// Cyrillic word, nothing, before anything else a token; a run of spaces, a token per two;</item>
/// <item>accented Latin and Cyrillic, a token per two letters; Greek, a token a letter; Hebrew and Arabic, a token and a
/// half;</item>
/// <item>a Chinese, Japanese or Korean character, a token and a half (a common one is one or less);</item>
/// <item>a letter or mark of any other script (Armenian, Devanagari, Thai...), two tokens;</item>
/// <item>anything else (emoji, symbols, format and tag characters), a token per UTF-8 byte: the most a byte-level
/// vocabulary can take.</item>
/// </list>
/// Tests hold it at or above two real tokenizers (cl100k_base and o200k_base) on text of each kind. What it can
/// underestimate is text made of rare ideographs or random characters: the budget's margin below the model's window
/// takes most of it, and Ollama is asked never to cut a prompt (<c>truncate: false</c>), so the rest is refused with
/// <c>context_length_exceeded</c>, never silently shortened.
/// </summary>
public static class TokenEstimator
{
    /// <summary>
    /// The most characters one counted token stands for: a four-letter word with the space before it. Text longer than
    /// a budget times this cannot fit the budget, whatever it holds.
    /// </summary>
    public const int MaxCharsPerToken = 5;

    /// <summary>The chat template's tokens around each message (role markers, separators).</summary>
    public const int PerMessageOverhead = 4;

    /// <summary>The chat template's tokens around a tool call (its markers and the JSON keys of name and arguments).</summary>
    public const int PerToolCallOverhead = 12;

    /// <summary>The chat template's text that introduces the tools (Qwen's "# Tools ... function signatures" preamble and its call format).</summary>
    public const int ToolsPreamble = 128;

    /// <summary>The letters a run may have and still be read as a word (longer ones are split finer).</summary>
    private const int LongestWord = 12;

    private enum Run
    {
        None,
        Word,
        Mixed,
        Alphabet,
    }

    public static int Estimate(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        // Counted in half tokens: a CJK character is one and a half.
        long halves = 0;
        int length = 0, capitals = 0, spaces = 0;
        var run = Run.None;
        var lastSmall = false;

        void EndRun()
        {
            halves += 2L * (run switch
            {
                // A word: a token per four letters; past a word's length (runs of one letter, glued text), per two.
                Run.Word => length <= LongestWord ? (length + 3) / 4 : (LongestWord / 4) + ((length - LongestWord + 1) / 2),
                Run.Mixed or Run.Alphabet => (length + 1) / 2,
                _ => 0,
            });
            run = Run.None;
            length = capitals = 0;
            lastSmall = false;
        }

        // A single space joins the word of Latin or Cyrillic letters after it; before anything else it may be a token.
        void EndSpaces(bool beforeWord)
        {
            if (spaces > 1 || (spaces == 1 && !beforeWord))
            {
                halves += 2L * ((spaces + 1) / 2);
            }

            spaces = 0;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            if (value < 128 && char.IsAsciiLetter((char)value))
            {
                EndSpaces(beforeWord: true);
                var capital = value <= 'Z';
                if (run == Run.Alphabet || (capital && lastSmall))
                {
                    EndRun();
                }

                if (run == Run.None)
                {
                    run = Run.Word;
                }

                if (capital)
                {
                    capitals++;
                }
                else if (capitals >= 2)
                {
                    run = Run.Mixed;
                }

                length++;
                lastSmall = !capital;
                continue;
            }

            if ((value is >= 0xC0 and <= 0x024F or >= 0x0400 and <= 0x052F or >= 0x1E00 and <= 0x1EFF) && Rune.IsLetter(rune))
            {
                EndSpaces(beforeWord: true);
                if (run != Run.Alphabet)
                {
                    EndRun();
                }

                run = Run.Alphabet;
                length++;
                continue;
            }

            EndRun();
            if (value == ' ')
            {
                spaces++;
                continue;
            }

            EndSpaces(beforeWord: false);
            halves += Halves(rune);
        }

        EndRun();
        EndSpaces(beforeWord: false);
        return (int)Math.Min(int.MaxValue, (halves + 1) / 2);
    }

    public static int EstimateMessage(string? text) => Estimate(text) + PerMessageOverhead;

    /// <summary>A message as the model reads it: its text, and the tool calls it carries (name and arguments) or answers.</summary>
    public static int EstimateMessage(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var tokens = EstimateMessage(message.Text);
        foreach (var content in message.Contents)
        {
            tokens += content switch
            {
                ToolCallsContent calls => calls.Calls.Sum(c => PerToolCallOverhead + Estimate(c.Name) + Estimate(c.ArgumentsJson) + Estimate(c.Id)),
                ToolAnswerContent answer => Estimate(answer.Call.Name) + Estimate(answer.Call.Id),
                _ => 0,
            };
        }

        return tokens;
    }

    /// <summary>The tools offered, as the template writes them into the prompt: its preamble once, then each definition.</summary>
    public static int EstimateTools(IReadOnlyList<ToolDefinition>? tools) =>
        tools is { Count: > 0 } ? ToolsPreamble + tools.Sum(t => Estimate(t.Json)) : 0;

    private static int Halves(Rune rune)
    {
        var value = rune.Value;
        if (value < 128)
        {
            return 2;
        }

        if (value is >= 0x3040 and <= 0x30FF or >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xAC00 and <= 0xD7AF
            or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3FFFF)
        {
            return 3;
        }

        if (value is >= 0x0370 and <= 0x03FF)
        {
            return 2;
        }

        if (value is >= 0x0590 and <= 0x06FF)
        {
            return 3;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber => 4,
            _ => 2 * rune.Utf8SequenceLength,
        };
    }
}
