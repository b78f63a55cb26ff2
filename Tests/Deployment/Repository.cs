using System.Diagnostics;
using System.Reflection;

namespace Tests.Deployment;

/// <summary>Where the repository, its tools and the shared schemas are, and a way to run a tool with a timeout.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string BicepPath =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;

    public static string Validator => Path.Combine(Root, "Tests", "Infra", "validation", "validate.mjs");

    /// <summary>azd's azure.yaml schema, read from the workplace's shared folder (not copied into the repository).</summary>
    public static string? AzdSchema =>
        new[] { Path.Combine(Root, "..", "shared", "schemas", "azd-azure.yaml.v1.0.schema.json"), "/work/shared/schemas/azd-azure.yaml.v1.0.schema.json" }
            .Select(Path.GetFullPath).FirstOrDefault(File.Exists);

    public static IEnumerable<string> Files(string relativeFolder, string pattern) =>
        Directory.EnumerateFiles(Path.Combine(Root, relativeFolder), pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {timeout}.");
        }

        return (process.ExitCode, (await output) + (await error));
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Solution.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Solution.sln) was not found above the test binaries.");
    }
}
