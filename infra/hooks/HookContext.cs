using Hooks.Tools;

namespace Hooks;

/// <summary>What every step of a hook works with: the azd environment, the plan, the tools, the clock and the console.</summary>
internal sealed class HookContext(string root, AzdEnvironment environment, DeploymentPlanFile plan, Az az, TextWriter log)
{
    public string Root { get; } = root;

    public AzdEnvironment Environment { get; } = environment;

    public DeploymentPlanFile Plan { get; } = plan;

    public Az Az { get; } = az;

    public TextWriter Log { get; } = log;

    /// <summary>The azd environment and the plan, with every secret they hold kept out of what the hook prints.</summary>
    public static HookContext Load(string root, TextWriter log)
    {
        var environment = AzdEnvironment.Load();
        var plan = DeploymentPlanFile.Load(root);
        foreach (var secret in plan.Secrets.Select(s => s.EnvironmentVariable).Append(Postprovision.RegistryImages.DockerHubToken))
        {
            SecretValues.Add(environment[secret] ?? System.Environment.GetEnvironmentVariable(secret));
        }

        return new HookContext(root, environment, plan, new Az(log), log);
    }

    public ToolResult Kubectl(params string[] arguments) => CommandLine.Run("kubectl", arguments);

    public ToolResult Docker(params string[] arguments) => CommandLine.Run("docker", arguments);

    public void Step(string message) => Log.WriteLine(message);

    /// <summary>A value from the azd environment, else from the process (azd also passes its values that way; a CI job sets some there).</summary>
    public string? Value(string name) => Environment[name] ?? NullIfEmpty(System.Environment.GetEnvironmentVariable(name));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
