using Hooks.Tools;

namespace Hooks;

/// <summary>What every step of a hook works with: the azd environment, the plan, the tools and the console.</summary>
internal sealed class HookContext(string root, AzdEnvironment environment, DeploymentPlanFile plan, Az az, TextWriter log)
{
    public string Root { get; } = root;

    public AzdEnvironment Environment { get; } = environment;

    public DeploymentPlanFile Plan { get; } = plan;

    public Az Az { get; } = az;

    public TextWriter Log { get; } = log;

    public ToolResult Kubectl(params string[] arguments) => CommandLine.Run("kubectl", arguments);

    public ToolResult Docker(params string[] arguments) => CommandLine.Run("docker", arguments);

    public void Step(string message) => Log.WriteLine(message);

    /// <summary>A value from the azd environment, else from the process (azd also passes its values that way; a CI job sets some there).</summary>
    public string? Value(string name) => Environment[name] ?? NullIfEmpty(System.Environment.GetEnvironmentVariable(name));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
