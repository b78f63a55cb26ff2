namespace AppHost.Deployment;

/// <summary>
/// A resource provider the subscription must have registered; with <paramref name="OnlyWhen"/>, only when that azd
/// value is true, because the template deploys the provider's resources only then.
/// </summary>
internal sealed record ResourceProvider(string Namespace, string? OnlyWhen = null);
