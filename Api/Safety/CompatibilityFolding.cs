using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Api.Safety;

/// <summary>
/// NFKC's compatibility folding, for the characters it folds to plain ASCII: full-width forms, mathematical
/// alphanumerics (bold, italic, script, fraktur, double-struck, sans-serif, monospace), circled, parenthesized and
/// squared letters, ligatures, letterlike symbols, Roman numerals, super- and subscripts. The API runs with invariant
/// globalization, under which <see cref="string.Normalize(NormalizationForm)"/> has no Unicode data to fold with, so
/// the fold is a table of our own (<c>Folding/compatibility-folds.txt</c>), generated from ICU's NFKC and checked
/// against it by <c>CompatibilityFoldingTests</c>, which also run the shipped build under invariant globalization.
/// </summary>
public static class CompatibilityFolding
{
    public const string ResourceName = "Safety.compatibility-folds.txt";

    private static readonly FrozenDictionary<int, string> Folds = Load();

    /// <summary>Every code point the table folds, and what to (lower case ASCII).</summary>
    public static IReadOnlyDictionary<int, string> Table => Folds;

    /// <summary>The text with every compatibility form in the table folded to its ASCII letters, lower case.</summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? builder = null;
        var copied = 0;
        for (var i = 0; i < text.Length;)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length);
            if (status == System.Buffers.OperationStatus.Done && rune.Value > 0x7F && Folds.TryGetValue(rune.Value, out var folded))
            {
                builder ??= new StringBuilder(text.Length);
                builder.Append(text, copied, i - copied).Append(folded);
                copied = i + length;
            }

            i += Math.Max(1, length);
        }

        return (builder is null ? text : builder.Append(text, copied, text.Length - copied).ToString()).ToLowerInvariant();
    }

    private static FrozenDictionary<int, string> Load()
    {
        using var stream = typeof(CompatibilityFolding).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded.");
        using var reader = new StreamReader(stream);
        var folds = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            folds[int.Parse(line.AsSpan(0, tab), NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = line[(tab + 1)..];
        }

        return folds.ToFrozenDictionary();
    }
}
