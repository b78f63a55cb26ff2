using System.Diagnostics;

namespace Hooks.Tools;

/// <summary>
/// Runs a tool found on PATH, as a shell would: on Windows <c>az</c> is <c>az.cmd</c>, so the extensions in PATHEXT
/// are tried. Arguments are passed as a list, never through a shell. JSON never goes as an argument: <c>az.cmd</c>
/// runs through cmd.exe, whose parsing strips the quotes inside an argument, so JSON goes as <c>@file</c>.
/// </summary>
internal static class CommandLine
{
    public static ToolResult Run(string tool, IReadOnlyList<string> arguments, string? input = null)
    {
        var start = new ProcessStartInfo(Resolve(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The command is shown when it fails: the value after --password and every secret this run handles are masked.
        var command = SecretValues.Mask(string.Join(' ', new[] { tool }.Concat(arguments.Select((a, i) => i > 0 && arguments[i - 1] == "--password" ? "***" : Quoted(a)))));
        using var process = Process.Start(start) ?? throw new HookFailedException($"`{tool}` could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        process.WaitForExit();
        // A tool may repeat what it was given in its error (azd echoes a value it could not set): that is masked too.
        return new ToolResult(command, process.ExitCode, output.GetAwaiter().GetResult(), SecretValues.Mask(error.GetAwaiter().GetResult()));
    }

    /// <summary>Whether a tool is on PATH at all.</summary>
    public static bool IsInstalled(string tool) => TryResolve(tool) is not null;

    private static string Resolve(string tool) =>
        TryResolve(tool) ?? throw new HookFailedException($"`{tool}` is not installed or not on PATH. See docs/deploy.md, Prerequisites.");

    private static string? TryResolve(string tool)
    {
        var extensions = OperatingSystem.IsWindows()
            ? (Environment.GetEnvironmentVariable("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").Split(';', StringSplitOptions.RemoveEmptyEntries)
            : [string.Empty];
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(folder, tool + extension);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static string Quoted(string argument) => argument.Contains(' ', StringComparison.Ordinal) ? $"\"{argument}\"" : argument;
}
