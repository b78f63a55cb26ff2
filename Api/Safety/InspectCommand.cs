using System.Text.Json;

namespace Api.Safety;

/// <summary>
/// <c>Api inspect</c>: the injection detector on each line of standard input, for an operator asking why a message was
/// flagged (and for the tests, which run the shipped build with its invariant globalization). One JSON object per
/// line: <c>{"folded": ..., "detected": ..., "matches": [...]}</c>; lines are JSON strings when they start with a quote.
/// </summary>
public static class InspectCommand
{
    public static bool IsCommand(string[] args) => args is ["inspect", ..];

    public static int Run(TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        while (input.ReadLine() is { } line)
        {
            var text = line.StartsWith('"') ? JsonSerializer.Deserialize<string>(line) ?? string.Empty : line;
            var verdict = PromptInjectionDetector.Inspect(text);
            output.WriteLine(JsonSerializer.Serialize(new { folded = PromptInjectionDetector.Fold(text), detected = verdict.Detected, matches = verdict.Matches }));
        }

        return 0;
    }
}
