using System.Text.Json;
using System.Text.Json.Serialization;

// The web links this file (Web.csproj); there it lives in its own namespace, so that an assembly that references both
// (the tests) sees two distinct types.
#if WEB
namespace Web.Errors;
#else
namespace Api.Errors;
#endif

/// <summary>One kind of error, as Api/Errors/catalogue.json defines it.</summary>
public sealed record ErrorKind(
    string Code,
    int Status,
    string Title,
    string OpenAiType,
    string Sentence,
    bool Retryable = false,
    int? RetryAfterSeconds = null,
    string? Metric = null,
    bool ForStatus = false)
{
    /// <summary>The reason the rejection metric records: the catalogue's, else the code.</summary>
    public string MetricReason => Metric ?? Code;
}

/// <summary>
/// Reads Api/Errors/catalogue.json, embedded in the assembly that links this file (the API, and the web for its
/// sentences): the one definition of every error code.
/// </summary>
public static class ErrorCatalogueFile
{
    public const string ResourceName = "Errors.catalogue.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.Strict };

    public static IReadOnlyDictionary<string, ErrorKind> Load(System.Reflection.Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var stream = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} does not embed {ResourceName}.");
        var file = JsonSerializer.Deserialize<CatalogueDocument>(stream, Json) ?? throw new InvalidOperationException($"{ResourceName} is empty.");
        return file.Errors.ToDictionary(e => e.Code, StringComparer.Ordinal);
    }

    /// <summary>
    /// The kind for an error that names no code (or one this reader does not know): the code that stands for its status,
    /// else, when <paramref name="anyOfTheStatus"/>, any code of that status, else the class's (server or request).
    /// </summary>
    public static ErrorKind ForStatus(IReadOnlyDictionary<string, ErrorKind> kinds, int status, bool anyOfTheStatus = false)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        return kinds.Values.FirstOrDefault(k => k.ForStatus && k.Status == status)
            ?? (anyOfTheStatus ? kinds.Values.FirstOrDefault(k => k.Status == status) : null)
            ?? kinds[status >= 500 ? ErrorCodes.InternalError : ErrorCodes.InvalidRequest];
    }

    private sealed record CatalogueDocument(IReadOnlyList<ErrorKind> Errors);
}
