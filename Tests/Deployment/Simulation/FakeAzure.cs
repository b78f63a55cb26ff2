using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>The shells the hooks are written for: azd runs <c>posix</c> hooks with sh and <c>windows</c> hooks with pwsh.</summary>
public enum HookShell
{
    Sh,
    Pwsh,
}

/// <summary>
/// A folder of recording fakes for <c>az</c>, <c>azd</c>, <c>kubectl</c> and <c>kubelogin</c>
/// (<c>Tests/Deployment/Fakes/fake-cli.mjs</c>) put first on PATH, with an azd environment and the fake Azure's
/// state, in which the repository's hooks run for real under sh or PowerShell.
/// </summary>
public sealed class FakeAzure : IDisposable
{
    private static readonly string[] Tools = ["az", "azd", "kubectl", "kubelogin"];
    private readonly string _folder = Directory.CreateTempSubdirectory("fake-azure-").FullName;
    private int _logged;

    public FakeAzure(IReadOnlyDictionary<string, string> azdEnvironment)
    {
        var fake = Path.Combine(Repository.Root, "Tests", "Deployment", "Fakes", "fake-cli.mjs");
        var shims = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;
        foreach (var tool in Tools)
        {
            var shim = Path.Combine(shims, tool);
            File.WriteAllText(shim, $"#!/bin/sh\nexec node \"{fake}\" {tool} \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        SetEnvironment(azdEnvironment);
    }

    private string Shims => Path.Combine(_folder, "bin");

    private string LogPath => Path.Combine(_folder, "calls.jsonl");

    private string StatePath => Path.Combine(_folder, "state.json");

    private string EnvPath => Path.Combine(_folder, ".env");

    public JsonNode State => File.Exists(StatePath) ? JsonNode.Parse(File.ReadAllText(StatePath))! : new JsonObject();

    public IReadOnlyDictionary<string, string> Environment() =>
        File.ReadAllLines(EnvPath).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim('"').Replace("\\\"", "\"", StringComparison.Ordinal), StringComparer.Ordinal);

    /// <summary>Replaces the azd environment, as azd writes it (<c>NAME="value"</c>).</summary>
    public void SetEnvironment(IReadOnlyDictionary<string, string> values) =>
        File.WriteAllLines(EnvPath, values.Select(v => $"{v.Key}=\"{v.Value.Replace("\"", "\\\"", StringComparison.Ordinal)}\""));

    /// <summary>Runs <c>infra/hooks/{hook}.sh</c> or <c>.ps1</c> as azd would, and returns what it did.</summary>
    public async Task<HookRun> RunAsync(string hook, HookShell shell, TimeSpan timeout)
    {
        var (program, arguments) = shell == HookShell.Sh
            ? ("sh", new[] { $"infra/hooks/{hook}.sh" })
            : ("dotnet", new[] { "tool", "run", "pwsh", "--", "-NoLogo", "-NoProfile", "-NonInteractive", "-File", $"infra/hooks/{hook}.ps1" });
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = Shims + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH");
        start.Environment["FAKE_LOG"] = LogPath;
        start.Environment["FAKE_STATE"] = StatePath;
        start.Environment["FAKE_AZD_ENV"] = EnvPath;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        start.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        // azd runs hooks with the environment's values in the process environment too; the hooks read them from azd.
        start.Environment.Remove("DOCKERHUB_USERNAME");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{hook} ({shell}) did not finish within {timeout}.");
        }

        var lines = File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];
        var calls = lines.Skip(_logged).Select(Parse).ToList();
        _logged = lines.Length;
        return new HookRun(process.ExitCode, await output + await error, calls);
    }

    private static HookCall Parse(string line)
    {
        var json = JsonNode.Parse(line)!;
        return new HookCall(
            json["tool"]!.GetValue<string>(),
            [.. json["args"]!.AsArray().Select(a => a!.GetValue<string>())],
            json["files"]!.AsObject().ToDictionary(f => int.Parse(f.Key, System.Globalization.CultureInfo.InvariantCulture), f => f.Value!.GetValue<string>()),
            json["exitCode"]!.GetValue<int>());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

/// <summary>A hook's exit code, its output and the calls it made.</summary>
public sealed record HookRun(int ExitCode, string Output, IReadOnlyList<HookCall> Calls)
{
    public IEnumerable<string> Commands => Calls.Select(c => c.Command);

    public override string ToString() => $"exit {ExitCode}\n{Output}\n{string.Join('\n', Calls.Select(c => c.Normalized(new Dictionary<string, string>())))}";
}
