namespace Tests.Deployment.Simulation;

/// <summary>One call a hook made to a faked tool, with the content of every file it handed over (<c>@file</c>, <c>-f path</c>).</summary>
public sealed record HookCall(string Tool, IReadOnlyList<string> Args, IReadOnlyDictionary<int, string> Files, int ExitCode)
{
    /// <summary>The fake cloud's time (seconds since the scenario began) when the call ended.</summary>
    public int Clock { get; init; }

    /// <summary>The tool and its words before the first option: <c>az ad app create</c>, <c>kubectl apply</c>.</summary>
    public string Command => string.Join(' ', new[] { Tool }.Concat(Args.TakeWhile(a => !a.StartsWith('-'))));

    /// <summary>Whether Microsoft Graph serves the call (<c>az ad ...</c>, or <c>az rest</c> to graph.microsoft.com).</summary>
    public bool IsGraph => Tool == "az" && (Args.FirstOrDefault() == "ad" || (Args.FirstOrDefault() == "rest" && (Option("--url") ?? Option("--uri") ?? string.Empty).StartsWith("https://graph.microsoft.com/", StringComparison.Ordinal)));

    /// <summary>Whether the call is <paramref name="command"/> (<c>azd env set</c> matches <c>azd env set NAME value</c>).</summary>
    public bool Is(string command) => Command == command || Command.StartsWith(command + " ", StringComparison.Ordinal);

    public string? Option(string name) => Args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>
    /// The call with each file replaced by a digest of its content (JSON compared as data, not by its spacing) and the
    /// run's random values (<paramref name="random"/>, value to placeholder) replaced, so two shells' calls compare equal.
    /// </summary>
    public string Normalized(IReadOnlyDictionary<string, string> random) => string.Join(' ', new[] { Tool }.Concat(Args.Select((a, i) =>
        Files.TryGetValue(i, out var content) ? $"<file {Digest(Replace(Canonical(content), random))}>" : Replace(a, random))));

    private static string Replace(string text, IReadOnlyDictionary<string, string> random) =>
        random.Aggregate(text, (current, r) => current.Replace(r.Key, r.Value, StringComparison.Ordinal));

    private static string Canonical(string content)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(content)!.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return content.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
        }
    }

    private static string Digest(string content) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)))[..12];
}
