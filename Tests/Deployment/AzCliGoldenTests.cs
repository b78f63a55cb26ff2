using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// The fake az prints what the real Azure CLI prints, for the calls whose output the hooks read: the golden outputs are
/// computed by the CLI's own code (Debian's python3-azure-cli, installed by .ci/run), fed the services' documented
/// answers (Tests/Deployment/Golden/az_cli_golden.py), and compared with what the fake prints for the same cloud.
/// </summary>
public sealed partial class AzCliGoldenTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private static async Task<JsonNode> GoldenAsync(JsonObject request)
    {
        (int ExitCode, string Output) probe = File.Exists(Python) ? await RunPythonAsync(["-c", "import azure.cli.command_modules.vm._format"], string.Empty) : (1, "no python3");
        if (probe.ExitCode != 0)
        {
            Assert.Skip("The Azure CLI's own code is not installed here (Debian's python3-azure-cli; .ci/run installs it).");
        }

        var (exitCode, output) = await RunPythonAsync([Path.Combine(Repository.Root, "Tests", "Deployment", "Golden", "az_cli_golden.py")], request.ToJsonString());
        Assert.True(exitCode == 0, output);
        return JsonNode.Parse(output)!;
    }

    private static async Task<(int ExitCode, string Output)> RunPythonAsync(IEnumerable<string> arguments, string input)
    {
        var start = new ProcessStartInfo(Python, arguments) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        return (process.ExitCode, process.ExitCode == 0 ? await output : await error);
    }

    private static FakeAzure Provisioned(Action<JsonNode>? change = null)
    {
        var state = FakeWorld.Ready.ToState(FakeAzure.Plan.ResourceProviders, AzdUpRun.UserEnvironment, "golden");
        state["account"]!["selected"] = FakeWorld.Subscription;
        state["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"] = new JsonObject
        {
            ["rg-golden"] = new JsonObject { ["registries"] = new JsonObject { ["crtest"] = new JsonObject { ["tags"] = new JsonObject() } } },
        };
        change?.Invoke(state);
        return new FakeAzure(state);
    }

    private static Task<HookRun> Az(FakeAzure azure, params string[] arguments) => azure.RunAsync(HookShell.Sh, Timeout, "az", arguments);

    [Fact]
    public async Task VmListUsage_TheFakePrintsTheCountsAsTheCliDoes_StringsAndNoUnit()
    {
        using var azure = Provisioned();
        // The REST answer (learn.microsoft.com rest/api/compute/usage/list) for the fake world's quota.
        var rest = new JsonObject
        {
            ["value"] = new JsonArray([.. FakeWorld.Ready.Quota.Select(q => (JsonNode)new JsonObject
            {
                ["unit"] = "Count",
                ["currentValue"] = 0,
                ["limit"] = q.Value,
                ["name"] = new JsonObject { ["value"] = q.Key, ["localizedValue"] = q.Key },
            })]),
        };

        var golden = await GoldenAsync(new JsonObject { ["vmUsage"] = rest });
        var fake = await Az(azure, "vm", "list-usage", "--location", FakeWorld.Region, "-o", "json");

        Assert.True(fake.ExitCode == 0, fake.ToString());
        Assert.True(JsonNode.DeepEquals(golden["vmListUsage"], JsonNode.Parse(fake.Output)), $"CLI: {golden["vmListUsage"]}\nfake: {fake.Output}");
        Assert.Equal("100", golden["vmListUsage"]![0]!["limit"]!.GetValue<string>());
    }

    [Fact]
    public async Task VmListSkus_TheFakePrintsWhatTheCliPrints_AndLeavesOutARestrictedSizeUnlessAll()
    {
        var restricted = new FakeVmSize("Standard_NC40ads_H100_v5", "standardNCadsH100v5Family", 40, ["1"], Restricted: true);
        using var azure = Provisioned(s => s["skus"]![FakeWorld.Region]!.AsArray().Add(restricted.ToJson(FakeWorld.Region)));
        // The REST answer (learn.microsoft.com rest/api/compute/resource-skus/list) for the same sizes.
        var rest = new JsonObject
        {
            ["value"] = new JsonArray([.. FakeWorld.Ready.VmSizes.Append(restricted).Select(v =>
            {
                var sku = v.ToJson(FakeWorld.Region);
                sku["resourceType"] = "virtualMachines";
                return (JsonNode)sku;
            })]),
        };

        var golden = await GoldenAsync(new JsonObject { ["vmSkus"] = new JsonObject { ["rest"] = rest, ["location"] = FakeWorld.Region } });
        var plain = await Az(azure, "vm", "list-skus", "--location", FakeWorld.Region, "--resource-type", "virtualMachines", "-o", "json");
        var all = await Az(azure, "vm", "list-skus", "--location", FakeWorld.Region, "--resource-type", "virtualMachines", "--all", "-o", "json");

        SameSkus(golden["vmListSkus"]!.AsArray(), JsonNode.Parse(plain.Output)!.AsArray());
        SameSkus(golden["vmListSkusAll"]!.AsArray(), JsonNode.Parse(all.Output)!.AsArray());
        Assert.DoesNotContain(golden["vmListSkus"]!.AsArray(), s => s!["name"]!.GetValue<string>() == restricted.Name);
    }

    /// <summary>The same sizes in the same order; every property the fake prints as the CLI prints it, and nothing the CLI prints with a value left out.</summary>
    private static void SameSkus(JsonArray cli, JsonArray fake)
    {
        Assert.Equal(cli.Select(s => s!["name"]!.GetValue<string>()), fake.Select(s => s!["name"]!.GetValue<string>()));
        foreach (var (expected, actual) in cli.Zip(fake))
        {
            foreach (var (key, value) in expected!.AsObject().Where(p => p.Value is not null))
            {
                Assert.True(JsonNode.DeepEquals(Trimmed(value), Trimmed(actual![key])), $"{expected["name"]}.{key}: CLI {value?.ToJsonString()}, fake {actual[key]?.ToJsonString()}");
            }
        }
    }

    /// <summary>A value without the properties that are null (the CLI prints the SDK's unset fields as null; the fake leaves them out).</summary>
    private static JsonNode? Trimmed(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject([.. o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, Trimmed(p.Value)))]),
        JsonArray a => new JsonArray([.. a.Select(Trimmed)]),
        _ => node?.DeepClone(),
    };

    [Fact]
    public async Task AcrRepositories_ListAndShowTags_TheFakePrintsWhatTheCliPrints_AnUnknownRepositoryIncluded()
    {
        using var azure = Provisioned(s => s["subscriptions"]![FakeWorld.Subscription]!["resourceGroups"]!["rg-golden"]!["registries"]!["crtest"]!["tags"] = new JsonObject
        {
            ["library/busybox"] = new JsonArray("1.37.0"),
        });
        JsonArray Answer(string path, int status, JsonNode body) => new(path, status, body);
        var unknown = new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = "NAME_UNKNOWN", ["message"] = "repository name not known to registry", ["detail"] = new JsonObject { ["name"] = "ollama/ollama" } }) };
        var request = new JsonObject
        {
            ["acr"] = new JsonObject
            {
                // The registry's catalog (Docker Registry HTTP API V2, GET /v2/_catalog) and tags (ACR, GET /acr/v1/{name}/_tags).
                ["list"] = new JsonObject { ["command"] = "list", ["correlationId"] = "c", ["answers"] = new JsonArray(Answer("/v2/_catalog", 200, new JsonObject { ["repositories"] = new JsonArray("library/busybox") })) },
                ["emptyList"] = new JsonObject { ["command"] = "list", ["correlationId"] = "c", ["answers"] = new JsonArray(Answer("/v2/_catalog", 200, new JsonObject { ["repositories"] = null })) },
                ["tags"] = new JsonObject
                {
                    ["command"] = "show-tags", ["correlationId"] = "c", ["arguments"] = new JsonObject { ["repository"] = "library/busybox" },
                    ["answers"] = new JsonArray(Answer("/acr/v1/library/busybox/_tags", 200, new JsonObject { ["tags"] = new JsonArray(new JsonObject { ["name"] = "1.37.0" }) })),
                },
                ["unknown"] = new JsonObject
                {
                    ["command"] = "show-tags", ["correlationId"] = "5a0b1c2d", ["arguments"] = new JsonObject { ["repository"] = "ollama/ollama" },
                    ["answers"] = new JsonArray(Answer("/acr/v1/ollama/ollama/_tags", 404, unknown)),
                },
            },
        };

        var golden = (await GoldenAsync(request))["acr"]!;
        var list = await Az(azure, "acr", "repository", "list", "--name", "crtest", "-o", "json");
        var tags = await Az(azure, "acr", "repository", "show-tags", "--name", "crtest", "--repository", "library/busybox", "-o", "json");
        var missing = await Az(azure, "acr", "repository", "show-tags", "--name", "crtest", "--repository", "ollama/ollama", "-o", "json");
        using var empty = Provisioned();
        var emptyList = await Az(empty, "acr", "repository", "list", "--name", "crtest", "-o", "json");

        Assert.True(JsonNode.DeepEquals(golden["list"]!["output"], JsonNode.Parse(list.Output)), list.ToString());
        Assert.True(JsonNode.DeepEquals(golden["emptyList"]!["output"], JsonNode.Parse(emptyList.Output)), emptyList.ToString());
        Assert.True(JsonNode.DeepEquals(golden["tags"]!["output"], JsonNode.Parse(tags.Output)), tags.ToString());
        // The CLI 2.45 puts a time before the message (acr/_format.py add_timestamp; later releases dropped it), and the
        // correlation id is the registry's: both are left out of the comparison.
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Equal(Normalized("ERROR: " + golden["unknown"]!["error"]!.GetValue<string>()), Normalized(missing.Output.Trim()));
        Assert.DoesNotContain("RepositoryNotFound", missing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordFromStandardInput_TheCliReadsAtDash_SoTheSecretStaysOutOfTheArguments()
    {
        var golden = await GoldenAsync(new JsonObject
        {
            ["stdinArguments"] = new JsonArray("acr", "import", "--username", "llmchat-ci", "--password", "@-"),
            ["stdin"] = "dckr_pat_x\n",
        });

        Assert.Equal(["acr", "import", "--username", "llmchat-ci", "--password", "dckr_pat_x"], golden["expandedArguments"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    private static string Normalized(string message) => CorrelationId().Replace(Timestamp().Replace(message, string.Empty), "Correlation ID: <id>.");

    [GeneratedRegex(@"(?<=ERROR: )\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ ")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"Correlation ID: [^ ]+\.$")]
    private static partial Regex CorrelationId();
}
