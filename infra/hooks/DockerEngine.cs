namespace Hooks;

/// <summary>A local Docker engine: the fallback for building and importing images when the registry cannot.</summary>
internal static class DockerEngine
{
    /// <summary>The CLI alone is not enough: <c>docker info</c> succeeds only when an engine answers.</summary>
    public static bool IsRunning(HookContext context) => Tools.CommandLine.IsInstalled("docker") && context.Docker("info").Succeeded;
}
