using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>The shells azd runs hooks in: <c>posix</c> hooks with sh, <c>windows</c> hooks with pwsh.</summary>
public enum HookShell
{
    Sh,
    Pwsh,
}

/// <summary>
/// A folder of recording fakes for <c>az</c>, <c>azd</c>, <c>kubectl</c>, <c>kubelogin</c>, <c>docker</c>, <c>curl</c>,
/// <c>gh</c>, <c>getent</c> and <c>sleep</c> (Tests/Deployment/Fakes/fake-cli.mjs) put first on PATH, with the fake cloud's state, in which the
/// repository's hooks and workflow steps run for real. Runs are serialized: the hooks are built by <c>dotnet run</c>,
/// and two builds of one project at once collide.
/// </summary>
public sealed class FakeAzure : IDisposable
{
    public static readonly IReadOnlyList<string> Tools = ["az", "azd", "kubectl", "kubelogin", "docker", "curl", "gh", "getent", "sleep"];
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);
    private readonly string _folder = Directory.CreateTempSubdirectory("fake-azure-").FullName;
    private int _logged;

    public FakeAzure(FakeWorld world, IReadOnlyDictionary<string, string> azdEnvironment, string environmentName = "llmchat-test")
        : this(world.ToState(Plan.ResourceProviders, azdEnvironment, environmentName))
    {
    }

    /// <summary>A fake cloud in a given state (another scenario's, to go on from there).</summary>
    public FakeAzure(JsonNode state)
    {
        var fake = Path.Combine(Repository.Root, "Tests", "Deployment", "Fakes", "fake-cli.mjs");
        Directory.CreateDirectory(Shims);
        foreach (var tool in Tools)
        {
            var shim = Path.Combine(Shims, tool);
            File.WriteAllText(shim, $"#!/bin/sh\nexec node \"{fake}\" {tool} \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        File.WriteAllText(StatePath, state.ToJsonString());
        File.WriteAllText(LogPath, string.Empty);
    }

    public string Shims => Path.Combine(_folder, "bin");

    /// <summary>azd's project folder (where azure.yaml is): the repository, unless a test gives another.</summary>
    public string Root { get; init; } = Repository.Root;

    public string LogPath => Path.Combine(_folder, "calls.jsonl");

    public string StatePath => Path.Combine(_folder, "state.json");

    public string ProvisionPath => Path.Combine(_folder, "provision.json");

    public static PlanFile Plan { get; } = PlanFile.Load();

    public JsonNode State => JsonNode.Parse(File.ReadAllText(StatePath))!;

    /// <summary>Changes the fake cloud between steps (the cluster autoscaler adds a node, a tenant admin grants consent...).</summary>
    public void Update(Action<JsonNode> change)
    {
        var state = State;
        change(state);
        File.WriteAllText(StatePath, state.ToJsonString());
    }

    /// <summary>The selected azd environment's values.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var azd = State["azd"]!;
        return azd["environments"]![azd["selected"]!.GetValue<string>()]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
    }

    /// <summary>Replaces the selected azd environment's values.</summary>
    public void SetEnvironment(IReadOnlyDictionary<string, string> values) => Update(state =>
    {
        var azd = state["azd"]!;
        azd["environments"]![azd["selected"]!.GetValue<string>()] = new JsonObject([.. values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))]);
    });

    /// <summary>What an azd environment's Bicep deployment creates, for the fake azd's provision (outputs and resources).</summary>
    public void WriteProvision(JsonNode provision, string environment = "default")
    {
        var all = File.Exists(ProvisionPath) ? JsonNode.Parse(File.ReadAllText(ProvisionPath))!.AsObject() : [];
        all[environment] = provision.DeepClone();
        File.WriteAllText(ProvisionPath, all.ToJsonString());
    }

    public JsonNode ReadProvision(string environment = "default") => JsonNode.Parse(File.ReadAllText(ProvisionPath))![environment]!.DeepClone();

    /// <summary>The environment a process needs to find the fakes and their state.</summary>
    public IReadOnlyDictionary<string, string> ProcessEnvironment(HookShell shell = HookShell.Sh) => new Dictionary<string, string>
    {
        ["PATH"] = Shims + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
        ["FAKE_LOG"] = LogPath,
        ["FAKE_STATE"] = StatePath,
        ["FAKE_ROOT"] = Root,
        ["FAKE_PROVISION"] = ProvisionPath,
        ["FAKE_HOOK_SHELL"] = shell == HookShell.Pwsh ? "pwsh" : "sh",
        // The fakes keep the cloud's time: the hooks pause through the fake `sleep` (infra/hooks/Tools/Clock.cs).
        ["LLMCHAT_HOOKS_SIMULATED_CLOCK"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["POWERSHELL_TELEMETRY_OPTOUT"] = "1",
        ["POWERSHELL_UPDATECHECK"] = "Off",
    };

    /// <summary>Runs one fake tool as a user would (for example <c>azd provision</c>), and returns what happened.</summary>
    public Task<HookRun> RunAsync(HookShell shell, TimeSpan timeout, string tool, params string[] arguments) =>
        RunProcessAsync(Path.Combine(Shims, tool), arguments, shell, timeout);

    /// <summary>Runs a program with the fakes first on PATH (the workflow runner, for example), and returns what happened.</summary>
    public Task<HookRun> RunProgramAsync(TimeSpan timeout, string program, params string[] arguments) =>
        RunProcessAsync(program, arguments, HookShell.Sh, timeout);

    /// <summary>Runs a hook exactly as azure.yaml declares it for the shell, as azd would, with the azd environment's values in its environment.</summary>
    public Task<HookRun> RunHookAsync(string hook, HookShell shell, TimeSpan timeout)
    {
        var run = AzdProject.Load(Repository.Root).Hooks[hook][shell == HookShell.Sh ? "posix" : "windows"];
        return shell == HookShell.Sh
            ? RunProcessAsync("sh", ["-c", run], shell, timeout, Environment())
            : RunProcessAsync("dotnet", ["tool", "run", "pwsh", "--", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", run], shell, timeout, Environment());
    }

    private async Task<HookRun> RunProcessAsync(string program, IReadOnlyList<string> arguments, HookShell shell, TimeSpan timeout, IReadOnlyDictionary<string, string>? extra = null)
    {
        await OneAtATime.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            var start = new ProcessStartInfo(program, arguments) { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (key, value) in extra ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }

            foreach (var (key, value) in ProcessEnvironment(shell))
            {
                start.Environment[key] = value;
            }

            // Only what the scenario sets: a developer's own credentials must not leak into a run.
            start.Environment.Remove("DOCKERHUB_USERNAME");
            start.Environment.Remove("DOCKERHUB_TOKEN");
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
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
            }

            return new HookRun(process.ExitCode, await output + await error, NewCalls());
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    /// <summary>The calls logged since the last run.</summary>
    private IReadOnlyList<LoggedLine> NewCalls()
    {
        var lines = File.ReadAllLines(LogPath);
        var calls = lines.Skip(_logged).Select(LoggedLine.Parse).ToList();
        _logged = lines.Length;
        return calls;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
