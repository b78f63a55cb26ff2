using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>One line of the fakes' log: a call a tool received, or a marker where azd started or ended a hook.</summary>
public sealed record LoggedLine(HookCall? Call, string? Hook, string? Phase, int ExitCode, string Output)
{
    public static LoggedLine Parse(string line)
    {
        var json = JsonNode.Parse(line)!;
        if (json["hook"] is { } hook)
        {
            return new LoggedLine(null, hook.GetValue<string>(), json["phase"]!.GetValue<string>(), json["exitCode"]?.GetValue<int?>() ?? 0, json["output"]?.GetValue<string>() ?? string.Empty);
        }

        var call = new HookCall(
            json["tool"]!.GetValue<string>(),
            [.. json["args"]!.AsArray().Select(a => a!.GetValue<string>())],
            json["files"]!.AsObject().ToDictionary(f => int.Parse(f.Key, System.Globalization.CultureInfo.InvariantCulture), f => f.Value!.GetValue<string>()),
            json["exitCode"]!.GetValue<int>())
        {
            Clock = json["clock"]?.GetValue<int>() ?? 0,
        };
        return new LoggedLine(call, null, null, call.ExitCode, string.Empty);
    }
}

/// <summary>A process's exit code, its output and the calls the fakes logged meanwhile (hook markers included).</summary>
public sealed record HookRun(int ExitCode, string Output, IReadOnlyList<LoggedLine> Lines)
{
    public IReadOnlyList<HookCall> Calls => [.. Lines.Where(l => l.Call is not null).Select(l => l.Call!)];

    public IEnumerable<string> Commands => Calls.Select(c => c.Command);

    /// <summary>The calls one hook made inside this run (azd provision runs two), with the hook's own exit code and output.</summary>
    public HookRun Hook(string name)
    {
        var start = Lines.ToList().FindIndex(l => l.Hook == name && l.Phase == "start");
        var end = Lines.ToList().FindIndex(l => l.Hook == name && l.Phase == "end");
        return start < 0 || end < 0
            ? new HookRun(-1, $"{name} did not run", [])
            : new HookRun(Lines[end].ExitCode, Lines[end].Output, [.. Lines.Skip(start + 1).Take(end - start - 1)]);
    }

    public override string ToString() => $"exit {ExitCode}\n{Output}\n{string.Join('\n', Calls.Select(c => $"{c.Normalized(new Dictionary<string, string>())} -> {c.ExitCode}"))}";
}
