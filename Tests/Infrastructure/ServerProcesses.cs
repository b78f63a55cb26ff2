using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tests.Infrastructure;

/// <summary>
/// The servers tests start (Azurite, Garnet), ended with the test process whatever happened to their owners: xUnit does
/// not dispose a class whose <c>InitializeAsync</c> threw, and a Garnet left running outlived a CI run that way.
/// </summary>
public static class ServerProcesses
{
    private static readonly ConcurrentDictionary<Process, bool> Running = new();

    static ServerProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Keys)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    };

    /// <summary>Ends <paramref name="process"/> (and what it started) when the test process exits.</summary>
    public static Process Track(Process process)
    {
        Running.TryAdd(process, true);
        return process;
    }

    /// <summary>Its owner ended it.</summary>
    public static void Forget(Process process) => Running.TryRemove(process, out _);
}
