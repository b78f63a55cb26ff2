namespace Hooks.Tools;

/// <summary>What a command-line tool did: its exit code and what it wrote.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws a <see cref="HookFailedException"/> naming the command and its error unless it succeeded.</summary>
    public ToolResult OrThrow()
    {
        if (!Succeeded)
        {
            throw new HookFailedException($"`{Command}` failed (exit code {ExitCode}):\n{Error.Trim()}");
        }

        return this;
    }
}
