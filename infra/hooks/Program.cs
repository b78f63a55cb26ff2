using Hooks;
using Hooks.Postprovision;
using Hooks.Preprovision;
using Hooks.Tools;

// azd runs `dotnet run --project infra/hooks -- <hook>` from the project folder (azure.yaml), in every shell.
var hook = args.FirstOrDefault();
var steps = hook switch
{
    "preprovision" => Preprovision.Steps,
    "postprovision" => Postprovision.Steps,
    _ => null,
};
if (steps is null)
{
    Console.Error.WriteLine("usage: dotnet run --project infra/hooks -- preprovision|postprovision");
    return 2;
}

try
{
    var root = Directory.GetCurrentDirectory();
    // Graph replication delays are seconds; the tests shorten the pause between retries.
    var retryDelay = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("LLMCHAT_HOOKS_RETRY_DELAY_MS"), out var ms) ? ms : 5000);
    var context = new HookContext(root, AzdEnvironment.Load(), DeploymentPlanFile.Load(root), new Az(Console.Out, retryDelay), Console.Out);
    foreach (var step in steps)
    {
        step(context);
    }

    return 0;
}
catch (HookFailedException ex)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"{hook} stopped: {ex.Message}");
    return 1;
}
