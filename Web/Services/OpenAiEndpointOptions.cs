namespace Web.Services;

/// <summary>Bound from <c>OpenAi</c>: where tools reach the OpenAI-compatible route (the AppHost sets it).</summary>
public sealed class OpenAiEndpointOptions
{
    public const string SectionName = "OpenAi";

    /// <summary>The base URL for OpenAI clients (ending in <c>/v1</c>).</summary>
    public string BaseUrl { get; set; } = "/v1";
}
