namespace Api.OpenAi;

/// <summary>
/// The OpenAI-compatible route's prefix, defined once: the API maps it, and the AppHost (which links this file) routes
/// it from the public host to the API and tells the web where tools reach it.
/// </summary>
internal static class OpenAiRoute
{
    public const string Prefix = "/v1";
}
