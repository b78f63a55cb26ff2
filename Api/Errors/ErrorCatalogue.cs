namespace Api.Errors;

/// <summary>
/// Every error the API answers with, by code (Api/Errors/catalogue.json): status, title, retryability and default
/// Retry-After, OpenAI's type, the metric's reason. Both routes, the SSE error events and the web's sentences use it.
/// </summary>
public static class ErrorCatalogue
{
    private static readonly IReadOnlyDictionary<string, ErrorKind> Kinds = ErrorCatalogueFile.Load(typeof(ErrorCatalogue).Assembly);

    public static IReadOnlyCollection<ErrorKind> All => [.. Kinds.Values];

    /// <summary>The kind of a code; a code the catalogue does not define is a bug, and fails at once.</summary>
    public static ErrorKind Get(string code) =>
        Kinds.TryGetValue(code, out var kind) ? kind : throw new KeyNotFoundException($"The error code '{code}' is not in Api/Errors/catalogue.json.");

    public static bool Defines(string code) => Kinds.ContainsKey(code);

    /// <summary>The code for an error that names none (one the framework raised): its status's, else the class's.</summary>
    public static ErrorKind ForStatus(int status) => ErrorCatalogueFile.ForStatus(Kinds, status);
}
