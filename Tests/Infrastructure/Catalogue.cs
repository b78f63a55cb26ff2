using System.Text.Json;
using Tests.Deployment;

namespace Tests.Infrastructure;

/// <summary>The model catalogue as <c>AppHost/models.json</c> declares it, for tests to name its models by role, not by a copy of their ids.</summary>
public static class Catalogue
{
    private static readonly Lazy<JsonElement> Models = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "AppHost", "models.json"))).RootElement.GetProperty("Models").Clone());

    /// <summary>The default chat model.</summary>
    public static string Default => Named(m => m.TryGetProperty("Default", out var d) && d.GetBoolean());

    /// <summary>The small fast model: it writes titles and stands in for the default.</summary>
    public static string Fast => Named(m => m.TryGetProperty("Titles", out var t) && t.GetBoolean());

    /// <summary>The embedding model.</summary>
    public static string Embedding => Named(m => m.GetProperty("Kind").GetString() == "Embedding");

    public static IReadOnlyList<string> All => [.. Models.Value.EnumerateObject().Select(m => m.Name)];

    /// <summary>The model's whole declaration.</summary>
    public static JsonElement Declaration(string model) => Models.Value.GetProperty(model);

    public static int Dimensions(string model) => Models.Value.GetProperty(model).GetProperty("Dimensions").GetInt32();

    public static string Tag(string model) => Models.Value.GetProperty(model).GetProperty("Tag").GetString()!;

    private static string Named(Func<JsonElement, bool> test) => Models.Value.EnumerateObject().Single(m => test(m.Value)).Name;
}
