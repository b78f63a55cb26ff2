namespace Api.Auth;

/// <summary>Bound from <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Entra ID (or any OpenID Connect issuer) that signs the bearer tokens.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>The named user for local development, used when a request carries no token.</summary>
    public DevUserOptions DevUser { get; set; } = new();

    /// <summary>Failed authentications (unknown keys, invalid tokens) one client address may make a minute before its further failures are answered 429 (a valid credential is never refused).</summary>
    public int FailedAuthenticationsPerMinute { get; set; } = 20;
}

public sealed class JwtOptions
{
    /// <summary>For Entra ID: <c>https://login.microsoftonline.com/{tenant-id}/v2.0</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The API's application ID URI or client id, for example <c>api://llm-chat-api</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>Scope a token must carry (the <c>scp</c> claim). Required outside Development.</summary>
    public string? RequiredScope { get; set; }

    /// <summary>
    /// The client apps whose tokens the API accepts (the token's <c>azp</c>, <c>appid</c> for v1 tokens): the web app,
    /// and any other client an administrator adds. Required outside Development: a token the tenant issued to any other
    /// app for this API's scope is refused.
    /// </summary>
    public IList<string> ClientIds { get; } = [];
}

public sealed class DevUserOptions
{
    /// <summary>Only honoured in Development; the API refuses to start in Production when it is on.</summary>
    public bool Enabled { get; set; }

    public string Id { get; set; } = "dev-user";

    public string Name { get; set; } = "Developer";

    /// <summary>The app roles the development user holds, to try role-limited models and pages.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>The group ids the development user is in.</summary>
    public List<string> Groups { get; set; } = [];
}
