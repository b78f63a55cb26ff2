namespace Aspire.Azure.Security.KeyVault;

/// <summary>How secrets are loaded into configuration.</summary>
public sealed class KeyVaultSecretsConfigurationOptions
{
    /// <summary>
    /// How often the secrets are loaded again; <c>null</c> (the default) loads them once at start.
    /// A rotated secret then reaches <c>IOptionsMonitor</c> without a restart.
    /// </summary>
    public TimeSpan? ReloadInterval { get; set; }
}
