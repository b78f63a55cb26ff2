namespace Web.Auth;

/// <summary>How the web signs people in: Entra ID (<c>AzureAd</c> section) or, in Development only, the development user.</summary>
public sealed class WebAuthOptions
{
    public bool UsesEntraId { get; init; }

    /// <summary>The API scope the web asks for, for example <c>api://llm-chat-api/chat</c> (<c>Api:Scope</c>).</summary>
    public string? ApiScope { get; init; }
}
