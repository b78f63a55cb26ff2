using OllamaSharp;

namespace Aspire.Hosting.ApplicationModel;

internal static class OllamaUtilities
{
    public static OllamaApiClient CreateClient(string endpoint, TimeSpan timeout) =>
        new(new HttpClient { BaseAddress = new Uri(endpoint), Timeout = timeout });

    /// <summary>Ollama lists <c>name</c> as <c>name:latest</c> when no tag was given.</summary>
    public static async Task<bool> ModelExistsAsync(IOllamaApiClient client, string modelName, CancellationToken cancellationToken)
    {
        var wanted = NormalizeName(modelName);
        var models = await client.ListLocalModelsAsync(cancellationToken).ConfigureAwait(false);
        return models.Any(model => string.Equals(NormalizeName(model.Name), wanted, StringComparison.OrdinalIgnoreCase));
    }

    public static string NormalizeName(string modelName) => modelName.Contains(':', StringComparison.Ordinal) ? modelName : modelName + ":latest";
}
