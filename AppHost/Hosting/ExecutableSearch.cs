namespace Aspire.Hosting;

/// <summary>Finds a program on PATH, as a shell would.</summary>
internal static class ExecutableSearch
{
    public static string? FindOnPath(string program)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(program);
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var extensions = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", string.Empty } : [string.Empty];

        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(directory, program + extension);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
