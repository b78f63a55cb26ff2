namespace Tests.Deployment;

/// <summary>
/// The Bicep functions whose results matter at run time, evaluated by the Bicep CLI itself (<c>bicep test</c>, its test
/// framework, enabled for Tests/Deployment/Bicep only), and shown failing on the defect each guards against.
/// </summary>
public sealed class BicepFunctionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task PoolCount_KeepsTheCountThePoolHasNow_WithinItsBounds()
    {
        var (exitCode, output) = await Repository.RunAsync(Repository.BicepPath, ["test", "Tests/Deployment/Bicep/pool-count.tests.bicep"], Timeout);

        Assert.True(exitCode == 0, output);
        Assert.Contains("All 6 evaluations passed!", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolCount_TheMinimumOnEveryProvision_FailsTheTests()
    {
        // The defect this guards against: the count a provision sent was the pool's minimum, whatever the autoscaler did.
        var (exitCode, output) = await TestWithDefectAsync("node-counts.bicep", "pool-count.tests.bicep",
            "empty(current) ? max(minCount, 1) : min(max(int(current), minCount), maxCount)", "max(minCount, 1)");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("[✗] Evaluation keepsTheAutoscalersCount Failed", output, StringComparison.Ordinal);
    }
    [Fact]
    public async Task IpRanges_ReadTheAzdValue_AsTheApiServerTakesThem()
    {
        var (exitCode, output) = await Repository.RunAsync(Repository.BicepPath, ["test", "Tests/Deployment/Bicep/ip-ranges.tests.bicep"], Timeout);

        Assert.True(exitCode == 0, output);
        Assert.Contains("All 3 evaluations passed!", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IpRanges_TakenAsWritten_FailsTheTests()
    {
        // The defect this guards against: split alone keeps the empty entry of "" (a range AKS refuses) and the spaces.
        var (exitCode, output) = await TestWithDefectAsync("ip-ranges.bicep", "ip-ranges.tests.bicep",
            "map(filter(map(split(list, ','), r => trim(r)), r => !empty(r)), r => contains(r, '/') ? r : '${r}/32')", "split(list, ',')");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("[✗] Evaluation noneWhenEmpty Failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageIpRules_GiveEachSlash32AsItsAddress_AsAStorageAccountTakesIt()
    {
        var (exitCode, output) = await Repository.RunAsync(Repository.BicepPath, ["test", "Tests/Deployment/Bicep/storage-ip-rules.tests.bicep"], Timeout);

        Assert.True(exitCode == 0, output);
        Assert.Contains("All 3 evaluations passed!", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageIpRules_TakenAsTheApiServerTakesThem_FailTheTests()
    {
        // The defect this guards against: the API server's /32 ranges handed to the storage account, which refuses them.
        var (exitCode, output) = await TestWithDefectAsync("ip-ranges.bicep", "storage-ip-rules.tests.bicep",
            "map(ipRanges(list), r => endsWith(r, '/32') ? take(r, length(r) - 3) : r)", "ipRanges(list)");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("[✗] Evaluation aSlash32IsTheBareAddress Failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeResourceGroupName_KeepsAksDefault_WhereItFits_AndCutsTheLongestToEighty()
    {
        var (exitCode, output) = await Repository.RunAsync(Repository.BicepPath, ["test", "Tests/Deployment/Bicep/node-resource-group.tests.bicep"], Timeout);

        Assert.True(exitCode == 0, output);
        Assert.Contains("All 3 evaluations passed!", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeResourceGroupName_AksDefaultAlways_FailsTheTests()
    {
        // The defect this guards against: AKS's own name whatever its length (no nodeResourceGroup in the template).
        var (exitCode, output) = await TestWithDefectAsync("node-resource-group.bicep", "node-resource-group.tests.bicep",
            "length('MC_${resourceGroupName}_${clusterName}_${location}') <= 80", "true");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("[✗] Evaluation cutsTheLongestToEighty Failed", output, StringComparison.Ordinal);
    }

    /// <summary>Runs a function's `bicep test` file against a copy of its module with <paramref name="right"/> made <paramref name="wrong"/>.</summary>
    private static async Task<(int ExitCode, string Output)> TestWithDefectAsync(string module, string testsFile, string right, string wrong)
    {
        using var copy = new Simulation.TemporaryFolder();
        var tests = Directory.CreateDirectory(Path.Combine(copy.Path, "Tests", "Deployment", "Bicep")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "Tests", "Deployment", "Bicep")))
        {
            File.Copy(file, Path.Combine(tests, Path.GetFileName(file)));
        }

        var modules = Directory.CreateDirectory(Path.Combine(copy.Path, "infra", "modules")).FullName;
        var function = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "infra", "modules", module), TestContext.Current.CancellationToken);
        Assert.Contains(right, function, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(modules, module), function.Replace(right, wrong, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        return await Repository.RunAsync(Repository.BicepPath, ["test", Path.Combine(tests, testsFile)], Timeout);
    }
}
