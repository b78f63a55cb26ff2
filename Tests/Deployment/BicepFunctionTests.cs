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
        using var copy = new Simulation.TemporaryFolder();
        var tests = Directory.CreateDirectory(Path.Combine(copy.Path, "Tests", "Deployment", "Bicep")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "Tests", "Deployment", "Bicep")))
        {
            File.Copy(file, Path.Combine(tests, Path.GetFileName(file)));
        }

        var modules = Directory.CreateDirectory(Path.Combine(copy.Path, "infra", "modules")).FullName;
        var function = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "infra", "modules", "node-counts.bicep"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(modules, "node-counts.bicep"), function.Replace(
            "empty(current) ? max(minCount, 1) : min(max(int(current), minCount), maxCount)", "max(minCount, 1)", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var (exitCode, output) = await Repository.RunAsync(Repository.BicepPath, ["test", Path.Combine(tests, "pool-count.tests.bicep")], Timeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("[✗] Evaluation keepsTheAutoscalersCount Failed", output, StringComparison.Ordinal);
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
        using var copy = new Simulation.TemporaryFolder();
        var tests = Directory.CreateDirectory(Path.Combine(copy.Path, "Tests", "Deployment", "Bicep")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "Tests", "Deployment", "Bicep")))
        {
            File.Copy(file, Path.Combine(tests, Path.GetFileName(file)));
        }

        var modules = Directory.CreateDirectory(Path.Combine(copy.Path, "infra", "modules")).FullName;
        var function = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "infra", "modules", "node-resource-group.bicep"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(modules, "node-resource-group.bicep"), function.Replace(
            "length('MC_${resourceGroupName}_${clusterName}_${location}') <= 80", "true", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var (exitCode, output) = await Repository.RunAsync(Repository.BicepPath, ["test", Path.Combine(tests, "node-resource-group.tests.bicep")], Timeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("[✗] Evaluation cutsTheLongestToEighty Failed", output, StringComparison.Ordinal);
    }
}
