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
if (steps is null || hook is null)
{
    Console.Error.WriteLine("usage: dotnet run --project infra/hooks -- preprovision|postprovision");
    return 2;
}

var current = "loading the azd environment and infra/deployment-plan.json";
try
{
    var root = Directory.GetCurrentDirectory();
    var context = HookContext.Load(root, Console.Out);
    foreach (var step in steps)
    {
        current = step.Name;
        step.Run(context);
    }

    return 0;
}
catch (HookFailedException ex)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"{hook} stopped at '{current}': {SecretValues.Mask(ex.Message)}");
    return 1;
}
catch (Exception ex) when (Environment.GetEnvironmentVariable(UnexpectedFailure.TraceVariable) != "1")
{
    // Anything else is a fault of the hooks, not of the user's settings: one line that says where and what to do,
    // never a stack trace in the middle of azd's output.
    Console.Error.WriteLine();
    Console.Error.WriteLine(UnexpectedFailure.Line(hook, current, ex));
    return 1;
}
