namespace Api.Safety;

/// <summary>The fixed texts the model is given (<c>*/Prompts/*.txt</c>): plain files beside their users, embedded in the assembly.</summary>
public static class PromptTexts
{
    public static string Load(string name)
    {
        using var stream = typeof(PromptTexts).Assembly.GetManifestResourceStream($"Prompts.{name}")
            ?? throw new InvalidOperationException($"The prompt text {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim();
    }
}
