using System.Text.Json.Nodes;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// The delivery workflows run as GitHub would run them (Tests/Deployment/Workflows/run-workflow.mjs: GitHub's parser
/// and expression evaluator, each job on a fresh runner, the scripts under bash) against the fake cloud the admin
/// bootstrapped (<see cref="Delivery"/>): a push that CI passes ships the commit CI tested to staging, smoke-tests
/// it, then ships it to production; a broken release is rolled back where it was deployed and goes no further.
/// </summary>
[Collection(nameof(WorkflowTests))]
public sealed class WorkflowTests
{
    private const string Tested = "1111111111111111111111111111111111111111";
    private const string MainMovedOn = "2222222222222222222222222222222222222222";
    private const string Next = "3333333333333333333333333333333333333333";
    private static JsonObject GreenTests => new() { ["CI=true bash .ci/run"] = 0 };

    private static async Task<(WorkflowRun Ci, WorkflowRun Deploy)> PushAsync(FakeAzure azure, string sha, int testsExitCode = 0)
    {
        var ci = await WorkflowRun.RunAsync(azure, "ci.yml", "push", sha: sha, stubs: new JsonObject { ["CI=true bash .ci/run"] = testsExitCode });
        var conclusion = ci.Result("test") == "success" ? "success" : "failure";
        // By the time ci completes, main may have moved on: github.sha of a workflow_run event is main's latest commit.
        var deploy = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_run", WorkflowRun.CiCompleted(conclusion, sha), sha: MainMovedOn);
        return (ci, deploy);
    }

    private static int Revision(JsonNode state, DeliveryEnvironment environment, string service) =>
        Delivery.Cluster(state, environment)["revisions"]![$"Deployment/llmchat/{service}"]!.AsArray().Count;

    private static IReadOnlyList<string> Undone(JsonNode state, DeliveryEnvironment environment) =>
        [.. Delivery.Cluster(state, environment)["undone"]?.AsArray().Select(u => u!.GetValue<string>()) ?? []];

    [Fact]
    public async Task Workflows_ParseWithGitHubsParser_AndEveryActionTheyUseHasAStandIn()
    {
        using var azure = await Delivery.WorldAsync();
        var files = Directory.GetFiles(Path.Combine(Repository.Root, ".github", "workflows"), "*.yml").Select(Path.GetFileName).ToList();

        foreach (var file in files)
        {
            var parsed = await WorkflowRun.RunAsync(azure, file!);
            Assert.True(parsed.Errors.Count == 0, $"{file}: {string.Join('\n', parsed.Errors)}");
            Assert.NotEmpty(parsed.Uses);
            Assert.All(parsed.Uses.Where(u => !u.StartsWith("./", StringComparison.Ordinal)), u => Assert.Contains(u, parsed.StandIns));
        }

        Assert.Contains("deploy.yml", files);
    }

    [Theory]
    [InlineData("needs: [release, staging]", "needs: [release, stagin]", "parse")]
    [InlineData("  id-token: write\n", "", "no OIDC token")]
    [InlineData("    environment: production\n", "    environment: Production\n", "AADSTS700213")]
    [InlineData("      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0\n        with:\n          ref: ${{ needs.release.outputs.sha }}\n      - uses: actions/setup-dotnet@67a3573c9a986a3f9c594539f4ab511d57bb3ce9 # v4.3.1\n        with:\n          global-json-file: global.json\n      - uses: ./.github/actions/azure-tools",
        "      - uses: actions/setup-dotnet@67a3573c9a986a3f9c594539f4ab511d57bb3ce9 # v4.3.1\n        with:\n          global-json-file: global.json\n      - uses: ./.github/actions/azure-tools", "actions/checkout")]
    [InlineData("      - uses: actions/setup-dotnet@67a3573c9a986a3f9c594539f4ab511d57bb3ce9 # v4.3.1\n", "      - uses: actions/setup-dotnet@v4\n", "not pinned to a release's commit")]
    public async Task Runner_RefusesAnInjectedDefect(string right, string wrong, string expected)
    {
        using var azure = await Delivery.WorldAsync();
        var content = await File.ReadAllTextAsync(Path.Combine(Repository.Root, ".github", "workflows", "deploy.yml"), TestContext.Current.CancellationToken);
        Assert.Contains(right, content, StringComparison.Ordinal);
        var broken = content.Replace(right, wrong, StringComparison.Ordinal);

        var run = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_run", WorkflowRun.CiCompleted("success", Tested), sha: MainMovedOn, content: broken);

        if (expected == "parse")
        {
            Assert.NotEmpty(run.Errors);
            return;
        }

        Assert.Empty(run.Errors);
        var failed = run.Result("staging") == "failure" ? "staging" : "production";
        Assert.Equal("failure", run.Result(failed));
        var step = run.Job(failed)!["steps"]!.AsArray().First(s => s!["outcome"]!.GetValue<string>() == "failure")!;
        Assert.Contains(expected == "no OIDC token" ? "permissions: id-token: write" : expected, step["output"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual("success", run.Result("production"));
    }

    [Fact]
    public async Task GreenCi_OnAPush_ShipsTheCommitCiTested_ToStagingThenProduction_WithoutGraph_AndASecondReleaseCreatesNothingAgain()
    {
        using var azure = await Delivery.WorldAsync();
        var before = azure.State;

        var (ci, deploy) = await PushAsync(azure, Tested);

        Assert.Equal("success", ci.Result("test"));
        Assert.True(deploy.Result("production") == "success", deploy.ToString());
        Assert.Equal(["success", "success", "success"], new[] { deploy.Result("release"), deploy.Result("staging"), deploy.Result("production") });
        var releases = Delivery.Releases(azure.State);
        // Staging first, then production; each service once; the commit ci tested, not main's latest.
        Assert.Equal(["llmchat-staging", "llmchat-staging", "llmchat-production", "llmchat-production"], releases.Select(r => r.Environment));
        Assert.All(releases, r => Assert.Equal(Tested, r.Commit));
        Assert.Equal("smoke: ok", deploy.Step("production", "Smoke tests").Output.Trim().Split('\n')[^1]);
        // The deployment apps have no Graph permission: nothing the workflow runs calls Graph or makes an app again.
        Assert.DoesNotContain(deploy.Calls, c => c.IsGraph);
        Assert.DoesNotContain(deploy.Calls, c => c.Is("az keyvault certificate create"));
        // The environments' generated values (app registrations, canary, certificate) are the bootstrap's.
        foreach (var environment in Delivery.Environments)
        {
            var bootstrapped = Delivery.RemoteEnvironment(before, environment.AzdName);
            var now = Delivery.RemoteEnvironment(azure.State, environment.AzdName);
            Assert.All(bootstrapped.Where(v => v.Key.StartsWith("ENTRA_", StringComparison.Ordinal) || v.Key.StartsWith("SAFETY_", StringComparison.Ordinal)),
                v => Assert.Equal(v.Value, now[v.Key]));
        }

        // A second release: a new revision of each service in each environment, nothing created again.
        var (_, second) = await PushAsync(azure, Next);
        Assert.True(second.Result("production") == "success", second.ToString());
        Assert.All(new[] { "api", "web" }, s => Assert.Equal(2, Revision(azure.State, Delivery.Production, s)));
        Assert.DoesNotContain(second.Calls, c => c.IsGraph || c.Is("az keyvault certificate create"));
        Assert.Empty(Undone(azure.State, Delivery.Staging));
    }

    [Fact]
    public async Task FirstCiRun_AfterTheBootstrap_EightMinutesOfProvisioning_NoDnsYet_Ships_ThenRollsBackAFailedDeploy()
    {
        // The bootstrap of docs/deploy.md is done; the deployment apps have never deployed; no DNS record exists; the
        // whole template is provisioned again by the app (azd deploys as the principal signed in), for eight minutes.
        using var azure = await Delivery.WorldAsync(s => s["provisionSeconds"] = 480);
        Assert.Null(azure.State["dns"]);

        var (ci, deploy) = await PushAsync(azure, Tested);

        Assert.Equal("success", ci.Result("test"));
        Assert.True(deploy.Result("production") == "success", deploy.ToString());
        var logins = deploy.Calls.Select((c, i) => (Call: c, Index: i)).Where(c => c.Call.Is("az login")).Select(c => c.Index).Append(deploy.Calls.Count).ToList();
        Assert.Equal(3, logins.Count);
        foreach (var (job, j) in new[] { ("staging", 0), ("production", 1) })
        {
            // The job's own calls: from its sign-in to the next job's.
            var calls = deploy.Calls.Skip(logins[j]).Take(logins[j + 1] - logins[j]).ToList();
            var signIn = calls[0];
            var kubectl = calls.Where(c => c.Tool == "kubectl").ToList();
            // By the first kubectl az's GitHub assertion had expired (T1): the cluster's tokens came through azd (T3).
            Assert.True(kubectl[0].Clock - signIn.Clock > 300, $"{job}: the scenario must outlast az's assertion ({kubectl[0].Clock - signIn.Clock} s).");
            Assert.All(kubectl, c => Assert.Equal(c.Is("kubectl auth can-i") ? 0 : c.ExitCode, c.ExitCode));
            Assert.DoesNotContain("AADSTS700024", deploy.Step(job, "Provision and deploy (rolling update)").Output, StringComparison.Ordinal);
            // The bootstrap gave the app its AKS role minutes before: the postprovision hook did not have to wait.
            Assert.DoesNotContain("does not let azd's principal in yet", deploy.Step(job, "Provision and deploy (rolling update)").Output, StringComparison.Ordinal);
            var smoke = deploy.Step(job, "Smoke tests").Output;
            Assert.Contains("has no public DNS record: users cannot reach it. Create an A record", smoke, StringComparison.Ordinal);
            Assert.EndsWith("smoke: ok", smoke.Trim(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(deploy.Calls, c => c.Is("kubectl auth can-i") && c.ExitCode != 0);
        azure.Update(s => s["failDeployAt"] = "web");
        var (_, failed) = await PushAsync(azure, Next);

        Assert.Equal("failure", failed.Step("staging", "Provision and deploy (rolling update)").Outcome);
        Assert.Contains("api: revision 1 -> 2, rolling back...", failed.Step("staging", "Roll back what this run deployed").Output, StringComparison.Ordinal);
        Assert.Equal(["api"], Undone(azure.State, Delivery.Staging));
        Assert.Equal("skipped", failed.Result("production"));
    }

    [Fact]
    public async Task PublicDnsPointingElsewhere_IsAWarning_AndTheSmokeTestStillChecksThisEnvironmentsGateway()
    {
        using var azure = await Delivery.WorldAsync(s => s["dns"] = new JsonObject { [Delivery.Staging.Host] = "20.0.0.99", [Delivery.Production.Host] = "20.0.0.98" });

        var (_, deploy) = await PushAsync(azure, Tested);

        var smoke = deploy.Step("staging", "Smoke tests").Output;
        Assert.Contains($"{Delivery.Staging.Host} resolves to 20.0.0.99, not to this environment's Gateway", smoke, StringComparison.Ordinal);
        Assert.Equal("success", deploy.Result("production"));
        Assert.All(deploy.Calls.Where(c => c.Is("curl")), c => Assert.Contains("--resolve", c.Args));
    }

    [Fact]
    public async Task KubectlFailingWhileTheRevisionsAreRecorded_StopsTheDeploy_NeverRecordsAFirstRelease()
    {
        using var azure = await Delivery.WorldAsync();
        var (_, first) = await PushAsync(azure, Tested);
        Assert.True(first.Result("production") == "success", first.ToString());
        azure.Update(s => s["faults"] = new JsonArray(new JsonObject
        {
            ["call"] = "kubectl get deployment",
            ["error"] = "Unable to connect to the server: net/http: TLS handshake timeout",
        }));

        var (_, second) = await PushAsync(azure, Next);

        var step = second.Step("staging", "Provision and deploy (rolling update)");
        Assert.Equal("failure", step.Outcome);
        Assert.Contains("TLS handshake timeout", step.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(second.Calls, c => c.Is("azd deploy"));
        Assert.Equal(1, Revision(azure.State, Delivery.Staging, "api"));
        Assert.Equal("skipped", second.Result("production"));
    }

    [Fact]
    public async Task KubectlFailingDuringTheRollback_FailsIt_InsteadOfCallingItUnchanged()
    {
        using var azure = await Delivery.WorldAsync();
        var (_, first) = await PushAsync(azure, Tested);
        Assert.True(first.Result("production") == "success", first.ToString());
        // The deploy's two reads go through; the rollback's fail.
        azure.Update(s =>
        {
            s["failDeployAt"] = "web";
            s["faults"] = new JsonArray(new JsonObject { ["call"] = "kubectl get deployment", ["after"] = 2, ["error"] = "Error from server (ServiceUnavailable): the server is currently unable to handle the request" });
        });

        var (_, second) = await PushAsync(azure, Next);

        var rollback = second.Step("staging", "Roll back what this run deployed");
        Assert.Equal("failure", rollback.Outcome);
        Assert.Contains("ServiceUnavailable", rollback.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("unchanged", rollback.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "push", "main")]
    [InlineData(0, "pull_request", "main")]
    [InlineData(0, "push", "feature/x")]
    public async Task RedCi_APullRequest_OrAnotherBranch_ShipNothing(int testsExitCode, string trigger, string branch)
    {
        using var azure = await Delivery.WorldAsync();
        var ci = await WorkflowRun.RunAsync(azure, "ci.yml", trigger, sha: Tested, reference: $"refs/heads/{branch}", stubs: new JsonObject { ["CI=true bash .ci/run"] = testsExitCode });

        var deploy = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_run", WorkflowRun.CiCompleted(ci.Result("test") == "success" ? "success" : "failure", Tested, trigger, branch), sha: MainMovedOn);

        // ci runs on pushes to main and on pull requests; a push elsewhere runs nothing.
        Assert.Equal(trigger == "push" && branch != "main" ? null : testsExitCode == 0 ? "success" : "failure", ci.Result("test"));
        Assert.True(!deploy.Triggered || deploy.Result("release") == "skipped", deploy.ToString());
        Assert.Empty(deploy.Calls);
        Assert.Empty(Delivery.Releases(azure.State));
    }

    [Fact]
    public async Task BrokenRelease_FailsStagingsSmokeTest_IsRolledBackThere_AndNeverReachesProduction()
    {
        using var azure = await Delivery.WorldAsync();
        var (_, first) = await PushAsync(azure, Tested);
        Assert.True(first.Result("production") == "success", first.ToString());
        var productionReleases = Delivery.Releases(azure.State).Count(r => r.Environment == "llmchat-production");
        azure.Update(s => s["brokenReleases"] = new JsonArray("llmchat-staging"));

        var (_, broken) = await PushAsync(azure, Next);

        Assert.Equal("failure", broken.Result("staging"));
        Assert.Equal("failure", broken.Step("staging", "Smoke tests").Outcome);
        Assert.Contains("503", broken.Step("staging", "Smoke tests").Output, StringComparison.Ordinal);
        var rollback = broken.Step("staging", "Roll back what this run deployed");
        Assert.Equal("success", rollback.Outcome);
        Assert.Equal(["api", "web"], Undone(azure.State, Delivery.Staging));
        // Each service is back on the first release's pod template.
        foreach (var service in new[] { "api", "web" })
        {
            var history = Delivery.Cluster(azure.State, Delivery.Staging)["revisions"]![$"Deployment/llmchat/{service}"]!.AsArray();
            Assert.Equal(history[0]!["template"]!.GetValue<string>(), history[^1]!["template"]!.GetValue<string>());
        }

        Assert.Equal("skipped", broken.Result("production"));
        Assert.Equal(productionReleases, Delivery.Releases(azure.State).Count(r => r.Environment == "llmchat-production"));
        Assert.Empty(Undone(azure.State, Delivery.Production));
    }

    [Fact]
    public async Task FirstRelease_FailingItsSmokeTest_HasNothingToRollBackTo_AndSaysSo()
    {
        using var azure = await Delivery.WorldAsync(s => s["brokenReleases"] = new JsonArray("llmchat-staging"));

        var (_, deploy) = await PushAsync(azure, Tested);

        Assert.Equal("failure", deploy.Step("staging", "Smoke tests").Outcome);
        var rollback = deploy.Step("staging", "Roll back what this run deployed");
        Assert.Equal("success", rollback.Outcome);
        Assert.Contains("api: first release (revision 1): nothing to roll back to.", rollback.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(deploy.Calls, c => c.Tool == "kubectl" && c.Args.Contains("undo"));
        Assert.Equal("skipped", deploy.Result("production"));
    }

    [Fact]
    public async Task DeployFailingHalfway_RollsBackOnlyTheServiceItChanged()
    {
        using var azure = await Delivery.WorldAsync();
        var (_, first) = await PushAsync(azure, Tested);
        Assert.True(first.Result("production") == "success", first.ToString());
        azure.Update(s => s["failDeployAt"] = "web");

        var (_, halfway) = await PushAsync(azure, Next);

        Assert.Equal("failure", halfway.Step("staging", "Provision and deploy (rolling update)").Outcome);
        Assert.Equal("skipped", halfway.Step("staging", "Smoke tests").Outcome);
        var rollback = halfway.Step("staging", "Roll back what this run deployed");
        Assert.Contains("web: unchanged (revision 1).", rollback.Output, StringComparison.Ordinal);
        Assert.Equal(["api"], Undone(azure.State, Delivery.Staging));
        Assert.Equal("skipped", halfway.Result("production"));
    }

    [Fact]
    public async Task ProvisionFailing_ShipsNothing_AndRollsBackNothing()
    {
        using var azure = await Delivery.WorldAsync(s => s["failProvision"] = true);

        var (_, deploy) = await PushAsync(azure, Tested);

        Assert.Equal("failure", deploy.Step("staging", "Provision and deploy (rolling update)").Outcome);
        Assert.Contains("Nothing was deployed: nothing to roll back.", deploy.Step("staging", "Roll back what this run deployed").Output, StringComparison.Ordinal);
        Assert.Empty(Delivery.Releases(azure.State));
        Assert.DoesNotContain(deploy.Calls, c => c.Is("azd deploy"));
        Assert.Equal("skipped", deploy.Result("production"));
    }

    [Fact]
    public async Task ProductionNotBootstrapped_StagingShips_ProductionStopsAndNamesTheBootstrap()
    {
        using var azure = await Delivery.WorldAsync(s => Delivery.RemoteEnvironments(s).Remove("llmchat-production"));

        var (_, deploy) = await PushAsync(azure, Tested);

        Assert.Equal("success", deploy.Result("staging"));
        var step = deploy.Step("production", "Provision and deploy (rolling update)");
        Assert.Equal("failure", step.Outcome);
        Assert.Contains("one-time bootstrap", step.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(deploy.Calls, c => c.Is("azd env new"));
        Assert.DoesNotContain(Delivery.Releases(azure.State), r => r.Environment == "llmchat-production");
    }

    [Fact]
    public async Task DeploymentAppWithoutAccessToTheStateAccount_StopsBeforeProvisioning()
    {
        using var azure = await Delivery.WorldAsync(s =>
        {
            // The bootstrap's data role for the staging app, taken away.
            var app = Delivery.App(s, Delivery.Staging).ObjectId;
            var assignments = s["subscriptions"]![FakeWorld.Subscription]!["roleAssignments"]!.AsArray();
            foreach (var assignment in assignments.Where(a => a!["principalId"]!.GetValue<string>() == app && a["roleDefinitionName"]!.GetValue<string>() == "Storage Blob Data Contributor").ToList())
            {
                assignments.Remove(assignment);
            }
        });

        var (_, deploy) = await PushAsync(azure, Tested);

        var step = deploy.Step("staging", "Provision and deploy (rolling update)");
        Assert.Equal("failure", step.Outcome);
        Assert.Contains("AuthorizationPermissionMismatch", step.Output, StringComparison.Ordinal);
        Assert.Contains("Storage Blob Data Contributor", step.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(deploy.Calls, c => c.Is("azd provision"));
    }

    [Fact]
    public async Task ProductionReviewerRejects_StagingShips_ProductionIsNotTouched()
    {
        using var azure = await Delivery.WorldAsync();
        var ci = await WorkflowRun.RunAsync(azure, "ci.yml", "push", sha: Tested, stubs: GreenTests);

        var deploy = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_run", WorkflowRun.CiCompleted("success", Tested), sha: MainMovedOn,
            change: s => s["environments"]!["production"]!["rejected"] = true);

        Assert.Equal("success", ci.Result("test"));
        Assert.Equal("success", deploy.Result("staging"));
        Assert.Equal("failure", deploy.Result("production"));
        Assert.DoesNotContain(Delivery.Releases(azure.State), r => r.Environment == "llmchat-production");
    }

    [Theory]
    [InlineData(Tested, "passed", true)]
    [InlineData(Tested, "failed", false)]
    [InlineData(Tested, "never ran", false)]
    [InlineData(Tested, "passed on a pull request", false)]
    public async Task Dispatch_ShipsACommitCiPassedOnMain_AndNothingElse(string sha, string ci, bool ships)
    {
        using var azure = await Delivery.WorldAsync();
        if (ci != "never ran")
        {
            await WorkflowRun.RunAsync(azure, "ci.yml", ci == "passed on a pull request" ? "pull_request" : "push", sha: sha,
                reference: ci == "passed on a pull request" ? "refs/pull/7/merge" : "refs/heads/main", stubs: new JsonObject { ["CI=true bash .ci/run"] = ci == "failed" ? 1 : 0 });
        }

        var deploy = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_dispatch", sha: MainMovedOn, inputs: new JsonObject { ["sha"] = sha });

        Assert.Equal(ships ? "success" : "failure", deploy.Result("release"));
        if (ships)
        {
            Assert.True(deploy.Result("production") == "success", deploy.ToString());
            Assert.All(Delivery.Releases(azure.State), r => Assert.Equal(Tested, r.Commit));
        }
        else
        {
            Assert.Contains("CI never passed on a push of", deploy.Step("release", "The commit CI tested").Output, StringComparison.Ordinal);
            Assert.DoesNotContain(deploy.Calls, c => c.Tool != "gh");
        }
    }

    [Theory]
    [InlineData("main")]
    [InlineData("1111111111111111111111111111111111111111; curl evil")]
    public async Task Dispatch_OfSomethingThatIsNotACommitId_IsRefusedBeforeAnything(string sha)
    {
        using var azure = await Delivery.WorldAsync();

        var deploy = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_dispatch", sha: MainMovedOn, inputs: new JsonObject { ["sha"] = sha });

        Assert.Equal("failure", deploy.Result("release"));
        Assert.Contains("is not a commit id", deploy.Step("release", "The commit CI tested").Output, StringComparison.Ordinal);
        Assert.Empty(deploy.Calls);
    }

    [Fact]
    public async Task Dispatch_WithoutTheActionsReadPermission_CannotCheckCi_AndShipsNothing()
    {
        using var azure = await Delivery.WorldAsync();
        await WorkflowRun.RunAsync(azure, "ci.yml", "push", sha: Tested, stubs: GreenTests);
        var content = await File.ReadAllTextAsync(Path.Combine(Repository.Root, ".github", "workflows", "deploy.yml"), TestContext.Current.CancellationToken);
        Assert.Contains("    permissions:\n      actions: read\n", content, StringComparison.Ordinal);

        var deploy = await WorkflowRun.RunAsync(azure, "deploy.yml", "workflow_dispatch", sha: MainMovedOn, inputs: new JsonObject { ["sha"] = Tested },
            content: content.Replace("    permissions:\n      actions: read\n", "    permissions:\n      contents: read\n", StringComparison.Ordinal));

        Assert.Equal("failure", deploy.Result("release"));
        Assert.Contains("Resource not accessible by integration (HTTP 403)", deploy.Step("release", "The commit CI tested").Output, StringComparison.Ordinal);
        Assert.Empty(Delivery.Releases(azure.State));
    }
}
