namespace Hooks.Tools;

/// <summary>
/// The azd environment: read with <c>azd env get-values</c> (azd's dotenv format, <c>NAME="value"</c>), written
/// with <c>azd env set</c>, and only when a value changes, so a second run of a hook writes nothing.
/// </summary>
internal sealed class AzdEnvironment
{
    private readonly Dictionary<string, string> _values;

    private AzdEnvironment(Dictionary<string, string> values) => _values = values;

    public static AzdEnvironment Load()
    {
        var output = CommandLine.Run("azd", ["env", "get-values"]).OrThrow().Output;
        return new AzdEnvironment(Parse(output));
    }

    public static Dictionary<string, string> Parse(string dotenv)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in dotenv.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var value = trimmed[(equals + 1)..];
            values[trimmed[..equals]] = value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? Unescape(value[1..^1]) : value;
        }

        return values;
    }

    public string? this[string name] => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public string Require(string name, string hint) => this[name] ?? throw new HookFailedException($"{name} is not set in the azd environment. {hint}");

    /// <summary>Sets a value in the azd environment (and here), unless it already has that value.</summary>
    public void Set(string name, string value)
    {
        if ((this[name] ?? string.Empty) == value)
        {
            return;
        }

        CommandLine.Run("azd", ["env", "set", name, value]).OrThrow();
        _values[name] = value;
    }

    public IReadOnlyDictionary<string, string> All => _values;

    private static string Unescape(string value)
    {
        var text = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
                text.Append(value[i] switch { 'n' => '\n', 'r' => '\r', _ => value[i] });
                continue;
            }

            text.Append(value[i]);
        }

        return text.ToString();
    }
}
