using System.Diagnostics;

namespace Aspire.Hosting;

/// <summary>
/// Answers "can containers run here?" by asking the configured runtime (<c>ASPIRE_CONTAINER_RUNTIME</c>,
/// default docker) for its server version. A CLI without a daemon (as on CI machines) answers no.
/// </summary>
internal static class ContainerRuntimeProbe
{
    private static readonly Dictionary<string, bool> Results = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    public static bool IsAvailable(IDistributedApplicationBuilder builder, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var runtime = OllamaResourceBuilderExtensions.ContainerRuntimeName(builder);
        lock (Gate)
        {
            if (!Results.TryGetValue(runtime, out var available))
            {
                available = Probe(runtime, timeout ?? TimeSpan.FromSeconds(5));
                Results[runtime] = available;
            }

            return available;
        }
    }

    private static bool Probe(string runtime, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0 && !string.IsNullOrWhiteSpace(process.StandardOutput.ReadToEnd());
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // The runtime's CLI is not installed.
            return false;
        }
    }
}
