
namespace Api.Llm;

/// <summary>The models this deployment serves: the primary model from the <c>chat</c> connection string.</summary>
public sealed class LlmModelCatalog(string? defaultModel, Uri? endpoint)
{
    public string? DefaultModel { get; } = defaultModel;

    public Uri? Endpoint { get; } = endpoint;

    public IReadOnlyList<string> Models { get; } = defaultModel is null ? [] : [defaultModel];

    public bool IsConfigured(string model) => Models.Contains(model, StringComparer.OrdinalIgnoreCase);

    public static LlmModelCatalog FromConfiguration(IConfiguration configuration)
    {
        var settings = new OllamaSharpSettingsReader(configuration.GetConnectionString(LlmOptions.PrimaryConnectionName));
        return new LlmModelCatalog(settings.Model, settings.Endpoint);
    }

    /// <summary>Reads <c>Endpoint=...;Model=...</c> the way the client integration does.</summary>
    private sealed class OllamaSharpSettingsReader
    {
        public OllamaSharpSettingsReader(string? connectionString)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                return;
            }

            var parts = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
            if (parts.TryGetValue("Model", out var model) && model is string name && !string.IsNullOrWhiteSpace(name))
            {
                Model = name;
            }

            if (parts.TryGetValue("Endpoint", out var endpoint) && endpoint is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                Endpoint = uri;
            }
        }

        public string? Model { get; }

        public Uri? Endpoint { get; }
    }
}
