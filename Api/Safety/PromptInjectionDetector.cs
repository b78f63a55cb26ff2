using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Api.Safety;

/// <summary>What the detector found: the rules that matched, each with the form it was found in.</summary>
public sealed record InjectionVerdict(IReadOnlyList<string> Matches)
{
    public static readonly InjectionVerdict Clean = new([]);

    public bool Detected => Matches.Count > 0;
}

/// <summary>
/// Looks for known prompt-injection patterns in a user message: in the text as written, with look-alike characters
/// folded (Cyrillic and Greek homoglyphs, full-width forms, leetspeak), with letter-by-letter spacing closed up,
/// ROT13-decoded, and in Base64 or hex segments decoded. A pattern list catches the common attacks and their
/// encodings; it is one layer, next to the canary leak guard and the model's own training, not a proof.
/// </summary>
public static partial class PromptInjectionDetector
{
    private const int MaxInspectedChars = 64_000;

    private static readonly (string Name, Regex Pattern)[] Rules =
    [
        ("ignore_instructions", IgnoreInstructions()),
        ("reveal_system_prompt", RevealPrompt()),
        ("role_override", RoleOverride()),
        ("fake_system_delimiter", FakeDelimiter()),
        ("new_instructions", NewInstructions()),
    ];

    // Phrases checked against the text with every non-letter removed: catches "i.g.n.o.r.e" and "I G N O R E".
    private static readonly (string Name, string Phrase)[] CompactPhrases =
    [
        ("ignore_instructions", "ignorepreviousinstructions"),
        ("ignore_instructions", "ignoreallpreviousinstructions"),
        ("ignore_instructions", "ignoreallinstructions"),
        ("ignore_instructions", "disregardpreviousinstructions"),
        ("ignore_instructions", "ignoreyourinstructions"),
        ("reveal_system_prompt", "revealyoursystemprompt"),
        ("reveal_system_prompt", "printyoursystemprompt"),
        ("reveal_system_prompt", "showmeyoursystemprompt"),
        ("role_override", "doanythingnow"),
        ("role_override", "developermodeenabled"),
    ];

    private static readonly Dictionary<char, char> LookAlikes = new()
    {
        // Cyrillic
        ['а'] = 'a', ['е'] = 'e', ['о'] = 'o', ['р'] = 'p', ['с'] = 'c', ['у'] = 'y', ['х'] = 'x', ['і'] = 'i', ['ј'] = 'j',
        ['ѕ'] = 's', ['ԁ'] = 'd', ['һ'] = 'h', ['ӏ'] = 'l', ['ԛ'] = 'q', ['ԝ'] = 'w', ['к'] = 'k', ['м'] = 'm', ['т'] = 't', ['в'] = 'b', ['н'] = 'h',
        // Greek
        ['α'] = 'a', ['ε'] = 'e', ['ο'] = 'o', ['ρ'] = 'p', ['ι'] = 'i', ['κ'] = 'k', ['ν'] = 'v', ['τ'] = 't', ['υ'] = 'u', ['χ'] = 'x', ['γ'] = 'y', ['η'] = 'n',
        // Leetspeak and symbols
        ['0'] = 'o', ['1'] = 'i', ['3'] = 'e', ['4'] = 'a', ['5'] = 's', ['7'] = 't', ['@'] = 'a', ['$'] = 's', ['!'] = 'i', ['|'] = 'l',
    };

    public static InjectionVerdict Inspect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxInspectedChars)
        {
            text = text[..MaxInspectedChars];
        }

        var matches = new SortedSet<string>(StringComparer.Ordinal);
        var plain = text.ToLowerInvariant();
        Check(plain, "plain", matches);

        var folded = Fold(text);
        if (!string.Equals(folded, plain, StringComparison.Ordinal))
        {
            Check(folded, "look-alike", matches);
        }

        CheckCompact(folded, "spaced", matches);
        Check(Rot13(plain), "rot13", matches);

        foreach (var decoded in DecodedSegments(text))
        {
            Check(decoded.Text.ToLowerInvariant(), decoded.Form, matches);
            CheckCompact(Fold(decoded.Text), decoded.Form, matches);
        }

        return matches.Count == 0 ? InjectionVerdict.Clean : new InjectionVerdict([.. matches]);
    }

    /// <summary>
    /// Compatibility forms to ASCII (NFKC's fold, from our own table: the API runs with invariant globalization),
    /// then homoglyphs and leetspeak to Latin letters, lower case.
    /// </summary>
    public static string Fold(string text)
    {
        var normalized = CompatibilityFolding.Fold(text);
        var builder = new StringBuilder(normalized.Length);
        foreach (var c in normalized)
        {
            builder.Append(LookAlikes.TryGetValue(c, out var latin) ? latin : c);
        }

        return builder.ToString();
    }

    public static string Rot13(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            chars[i] = c switch
            {
                >= 'a' and <= 'z' => (char)('a' + ((c - 'a' + 13) % 26)),
                >= 'A' and <= 'Z' => (char)('A' + ((c - 'A' + 13) % 26)),
                _ => c,
            };
        }

        return new string(chars);
    }

    private static void Check(string text, string form, SortedSet<string> matches)
    {
        foreach (var (name, pattern) in Rules)
        {
            if (pattern.IsMatch(text))
            {
                matches.Add($"{name}@{form}");
            }
        }
    }

    private static void CheckCompact(string text, string form, SortedSet<string> matches)
    {
        var compact = new string([.. text.Where(char.IsAsciiLetter)]);
        foreach (var (name, phrase) in CompactPhrases)
        {
            if (compact.Contains(phrase, StringComparison.Ordinal))
            {
                matches.Add($"{name}@{form}");
            }
        }
    }

    private static IEnumerable<(string Text, string Form)> DecodedSegments(string text)
    {
        foreach (Match match in Base64Segment().Matches(text))
        {
            if (TryDecodeBase64(match.Value, out var decoded))
            {
                yield return (decoded, "base64");
            }
        }

        foreach (Match match in HexSegment().Matches(text))
        {
            if (TryDecodeHex(match.Value, out var decoded))
            {
                yield return (decoded, "hex");
            }
        }
    }

    private static bool TryDecodeBase64(string segment, out string decoded)
    {
        decoded = string.Empty;
        var normalized = segment.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        var buffer = new byte[normalized.Length];
        if (!Convert.TryFromBase64String(normalized, buffer, out var written) || written < 8)
        {
            return false;
        }

        return TryText(buffer.AsSpan(0, written), out decoded);
    }

    private static bool TryDecodeHex(string segment, out string decoded)
    {
        decoded = string.Empty;
        try
        {
            return TryText(Convert.FromHexString(segment.Length % 2 == 0 ? segment : segment[..^1]), out decoded);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Decoded bytes count as text when they are valid UTF-8 and mostly printable.</summary>
    private static bool TryText(ReadOnlySpan<byte> bytes, out string text)
    {
        text = string.Empty;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var printable = text.Count(c => !char.IsControl(c) || c is '\n' or '\r' or '\t');
        return printable >= text.Length * 0.9;
    }

    [GeneratedRegex(@"\b(ignore|disregard|forget|override|bypass|skip|drop)\b[^.\n]{0,40}?\b(previous|prior|above|earlier|preceding|system|initial|original|all|any|your)\b[^.\n]{0,30}?\b(instructions?|prompts?|rules?|directions?|guidelines?|directives?|constraints?)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex IgnoreInstructions();

    [GeneratedRegex(@"\b(reveal|show|print|display|repeat|output|recite|leak|dump|tell me|give me|what (is|are|was|were))\b[^.\n]{0,40}?\b(system prompt|system message|initial prompt|hidden (prompt|instructions)|(your|the) (instructions|prompt|rules)|prompt above|text above|confidential (marker|instructions)|canary)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex RevealPrompt();

    [GeneratedRegex(@"\b(you are now|from now on,? you are|act as|pretend (to be|you are)|roleplay as)\b[^.\n]{0,50}?\b(dan|jailbroken|unrestricted|unfiltered|uncensored|developer mode|evil|without (any )?(restrictions|rules|filters|limits))\b|\bdo anything now\b|\bdeveloper mode (enabled|on|activated)\b|\bjailbreak(ed)?\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex RoleOverride();

    [GeneratedRegex(@"<\|im_start\|>\s*system|<\|system\|>|\[/?inst\]|<</?sys>>|(^|\n)\s*#{0,3}\s*(system|assistant)\s*:|\bbegin (system|admin|developer) (prompt|instructions|message)\b|</?system>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex FakeDelimiter();

    [GeneratedRegex(@"\b(new|updated|real|actual|override) (system )?(instructions?|rules|directives?)\s*:", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex NewInstructions();

    [GeneratedRegex(@"[A-Za-z0-9+/\-_]{16,}={0,2}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Base64Segment();

    [GeneratedRegex(@"\b(?:[0-9a-fA-F]{2}){12,}\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex HexSegment();
}
