namespace Tests.Deployment.Simulation;

/// <summary>What a hook's calls must respect for the tools to read them as meant.</summary>
public static class HookRules
{
    /// <summary>
    /// Arguments to <c>az</c> holding a double quote. On Windows <c>az</c> is <c>az.cmd</c>, and cmd.exe's parsing
    /// strips the quotes inside an argument, so a JSON argument arrives broken: JSON must go as <c>@file</c>.
    /// </summary>
    public static IReadOnlyList<string> QuotedArguments(IEnumerable<HookCall> calls) =>
        [.. calls.Where(c => c.Tool == "az").SelectMany(c => c.Args.Where(a => a.Contains('"', StringComparison.Ordinal)).Select(a => $"{c.Command}: {a}"))];
}
