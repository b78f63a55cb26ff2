using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>
/// One run of a GitHub workflow of this repository by the offline runner (Tests/Deployment/Workflows/run-workflow.mjs:
/// GitHub's own parser and expression evaluator, `run:` steps under bash, stand-ins for the actions), with the fakes
/// first on PATH. <see cref="Trace"/> is what the runner reports; <see cref="Process"/> the calls the fakes logged.
/// </summary>
public sealed record WorkflowRun(JsonNode Trace, HookRun Process)
{
    private static readonly string Runner = Path.Combine(Repository.Root, "Tests", "Deployment", "Workflows", "run-workflow.mjs");
    private static readonly string Loader = Path.Combine(Repository.Root, "Tests", "Deployment", "Workflows", "json-modules.mjs");

    public IReadOnlyList<string> Errors => [.. Trace["errors"]!.AsArray().Select(e => e!.GetValue<string>())];

    public IReadOnlyList<string> Uses => [.. Trace["uses"]!.AsArray().Select(e => e!.GetValue<string>())];

    public IReadOnlyList<string> StandIns => [.. Trace["standIns"]!.AsArray().Select(e => e!.GetValue<string>())];

    public bool Triggered => Trace["triggered"]!.GetValue<bool>();

    public IReadOnlyList<HookCall> Calls => Process.Calls;

    /// <summary>A job's result: success, failure or skipped (absent when the workflow did not run).</summary>
    public string? Result(string job) => Job(job)?["result"]?.GetValue<string>();

    public JsonNode? Job(string job) => Trace["jobs"]!.AsArray().FirstOrDefault(j => j!["id"]!.GetValue<string>() == job);

    /// <summary>The outcome of a job's step by name (success, failure or skipped), and what it printed.</summary>
    public (string Outcome, string Output) Step(string job, string name)
    {
        var step = Job(job)?["steps"]?.AsArray().FirstOrDefault(s => s!["name"]?.GetValue<string>() == name)
            ?? throw new InvalidOperationException($"{job} has no step '{name}':\n{this}");
        return (step["outcome"]!.GetValue<string>(), step["output"]!.GetValue<string>());
    }

    public override string ToString() => Trace.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    /// <summary>Runs a workflow for an event; without an event, only parses it (errors, actions used, stand-ins).</summary>
    public static async Task<WorkflowRun> RunAsync(FakeAzure azure, string workflow, string? eventName = null, JsonObject? payload = null,
        string sha = "", string reference = "refs/heads/main", JsonObject? inputs = null, JsonObject? stubs = null, string? content = null,
        Action<JsonObject>? change = null)
    {
        var scenario = new JsonObject
        {
            ["root"] = azure.Root,
            ["workflow"] = workflow,
            ["event"] = eventName,
            ["payload"] = payload ?? new JsonObject(),
            ["github"] = new JsonObject { ["sha"] = sha, ["ref"] = reference, ["repository"] = Delivery.Repository },
            // The repository's variables and environments as the bootstrap set them with gh (lib/github.mjs).
            ["vars"] = azure.State["github"]?["variables"]?["repository"]?.DeepClone() ?? new JsonObject(),
            ["environments"] = new JsonObject([.. (azure.State["github"]?["environments"]?.AsObject() ?? []).Select(e => KeyValuePair.Create(e.Key, (JsonNode?)new JsonObject
            {
                ["vars"] = azure.State["github"]?["variables"]?["environments"]?[e.Key]?.DeepClone() ?? new JsonObject(),
            }))]),
            ["inputs"] = inputs ?? new JsonObject(),
            ["environment"] = new JsonObject(),
            ["stubs"] = stubs ?? new JsonObject(),
        };
        if (content is not null)
        {
            scenario["content"] = content;
        }

        change?.Invoke(scenario);
        if (scenario["event"] is null)
        {
            scenario.Remove("event");
        }

        var folder = Directory.CreateTempSubdirectory("workflow-run-").FullName;
        try
        {
            var scenarioFile = Path.Combine(folder, "scenario.json");
            var traceFile = Path.Combine(folder, "trace.json");
            File.WriteAllText(scenarioFile, scenario.ToJsonString());
            var process = await azure.RunProgramAsync(Delivery.Timeout, "node", "--import", new Uri(Loader).AbsoluteUri, Runner, scenarioFile, traceFile);
            if (!File.Exists(traceFile))
            {
                throw new InvalidOperationException("The workflow runner failed: " + process.Output);
            }

            return new WorkflowRun(JsonNode.Parse(File.ReadAllText(traceFile))!, process);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The event GitHub sends the deploy workflow when a ci run completes.</summary>
    public static JsonObject CiCompleted(string conclusion, string headSha, string trigger = "push", string branch = "main") => new()
    {
        ["action"] = "completed",
        ["workflow_run"] = new JsonObject
        {
            ["name"] = "ci",
            ["conclusion"] = conclusion,
            ["event"] = trigger,
            ["head_sha"] = headSha,
            ["head_branch"] = branch,
        },
    };
}
