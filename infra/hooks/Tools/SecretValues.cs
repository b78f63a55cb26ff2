namespace Hooks.Tools;

/// <summary>
/// The secret values this run handles (generated secrets, the Docker Hub token): masked wherever the hook prints a
/// command, a tool's error or its own message, so that a failed <c>azd env set SAFETY_CANARY ...</c> never shows
/// the canary.
/// </summary>
internal static class SecretValues
{
    private const string Masked = "***";
    private static readonly HashSet<string> Values = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    public static void Add(string? value)
    {
        // A value this short would mask ordinary words; none of the secrets we handle is.
        if (value is null || value.Length < 8)
        {
            return;
        }

        lock (Gate)
        {
            Values.Add(value);
        }
    }

    public static string Mask(string text)
    {
        lock (Gate)
        {
            return Values.Aggregate(text, (masked, secret) => masked.Replace(secret, Masked, StringComparison.Ordinal));
        }
    }
}
