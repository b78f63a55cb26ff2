// Linked into the AppHost, which declares the catalogue: there in its own namespace, so the tests (which see both
// assemblies) name each copy without doubt.
#if APPHOST
namespace AppHost;
#else
namespace Api.Llm;
#endif

/// <summary>
/// What makes a model catalogue one the API can serve, checked when it starts (and by the AppHost's model tests on the
/// declarations): ids usable as connection string names and metric tags, one default chat model, fallbacks that are
/// other declared models of the same kind, at most one title writer, and vector lengths on embedding models only.
/// </summary>
public static class ModelCatalogueRules
{
    /// <summary>The first problem, in words; null for a catalogue the API can serve.</summary>
    public static string? Problem(IReadOnlyDictionary<string, ModelOptions> catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        foreach (var (name, model) in catalogue)
        {
            if (!IsValidName(name))
            {
                return $"'{name}' is not a model id: use 1 to 40 lower-case letters, digits and '-', starting with a letter.";
            }

            if (model.Fallback is { } fallback && (!catalogue.TryGetValue(fallback, out var other) || other.Kind != model.Kind || string.Equals(fallback, name, StringComparison.OrdinalIgnoreCase)))
            {
                return $"'{name}' falls back to '{fallback}', which is not another {model.Kind} model of the catalogue.";
            }

            if (model.Kind == ModelKind.Embedding && (model.Default || model.Titles || model.Tools || model.Dimensions is null))
            {
                return $"'{name}' is an embedding model: it needs Dimensions and cannot be the default, write titles or call tools.";
            }

            if (model.Kind == ModelKind.Chat && model.Dimensions is not null)
            {
                return $"'{name}' is a chat model: Dimensions is for embedding models.";
            }
        }

        var chats = catalogue.Values.Count(m => m.Kind == ModelKind.Chat);
        var defaults = catalogue.Values.Count(m => m.Default);
        if (chats > 0 && defaults != 1)
        {
            return $"exactly one chat model must be the default; {defaults} are.";
        }

        return catalogue.Values.Count(m => m.Titles) > 1 ? "at most one model writes titles." : null;
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 40 && char.IsAsciiLetterLower(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
