using System.Globalization;

namespace Hooks.Tools;

/// <summary>
/// Waiting, the one place the hooks spend time on purpose (Graph replication, role propagation, a certificate being
/// issued). With <c>LLMCHAT_HOOKS_SIMULATED_CLOCK=1</c> a pause is a call to the <c>sleep</c> on PATH instead: the
/// deployment tests' fakes keep the simulated cloud's time, so token lifetimes and propagation delays play out in
/// minutes of that time and milliseconds of the test's.
/// </summary>
internal static class Clock
{
    public const string SimulatedVariable = "LLMCHAT_HOOKS_SIMULATED_CLOCK";

    public static void Pause(TimeSpan duration)
    {
        if (Environment.GetEnvironmentVariable(SimulatedVariable) == "1")
        {
            CommandLine.Run("sleep", [((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]).OrThrow();
            return;
        }

        Thread.Sleep(duration);
    }
}
