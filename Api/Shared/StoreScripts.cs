namespace Api.Shared;

/// <summary>The shared store's Lua scripts: plain files beside their users (<c>*/Scripts/*.lua</c>), embedded in the assembly.</summary>
public static class StoreScripts
{
    public static string Load(string name)
    {
        using var stream = typeof(StoreScripts).Assembly.GetManifestResourceStream($"Scripts.{name}")
            ?? throw new InvalidOperationException($"The script {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
