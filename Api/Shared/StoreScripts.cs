namespace Api.Shared;

/// <summary>
/// The shared store's Lua scripts: plain files beside their users (<c>*/Scripts/*.lua</c>), embedded in the assembly.
/// A line <c>--#include other.lua</c> is replaced by that file, so a check written once (a Lua function) serves both
/// its own script and the one that makes several checks in one call.
/// </summary>
public static class StoreScripts
{
    private const string Include = "--#include ";

    public static string Load(string name) => Load(name, []);

    private static string Load(string name, HashSet<string> loading)
    {
        if (!loading.Add(name))
        {
            throw new InvalidOperationException($"The script {name} includes itself.");
        }

        using var stream = typeof(StoreScripts).Assembly.GetManifestResourceStream($"Scripts.{name}")
            ?? throw new InvalidOperationException($"The script {name} is not embedded.");
        using var reader = new StreamReader(stream);
        var text = new System.Text.StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            text.AppendLine(line.StartsWith(Include, StringComparison.Ordinal) ? Load(line[Include.Length..].Trim(), loading).TrimEnd() : line);
        }

        loading.Remove(name);
        return text.ToString();
    }
}
