using Hooks.Tools;

namespace Hooks;

/// <summary>
/// The one line a hook prints when something it did not foresee stops it (a tool's output it cannot read, a file it
/// cannot write): the step, the error, and what to do. <c>LLMCHAT_HOOKS_TRACE=1</c> lets the exception through, with
/// its stack trace, for whoever fixes the hooks.
/// </summary>
internal static class UnexpectedFailure
{
    public const string TraceVariable = "LLMCHAT_HOOKS_TRACE";

    public static string Line(string hook, string step, Exception exception)
    {
        var message = string.Join(' ', SecretValues.Mask(exception.Message).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return $"{hook} stopped at '{step}': unexpected {exception.GetType().Name}: {message} Nothing after this step ran; what ran before it is kept and a new run goes on from there. Run `azd provision` again; if it stops the same way, run it with {TraceVariable}=1 and report the output (docs/deploy.md, \"When a hook stops\").";
    }
}
