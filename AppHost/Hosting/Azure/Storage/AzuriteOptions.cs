namespace Aspire.Hosting;

/// <summary>How <c>RunAsEmulator</c> runs Azurite.</summary>
public sealed class AzuriteOptions
{
    /// <summary>Container, npm executable, or whichever this machine can run (the default).</summary>
    public AzuriteRuntime Runtime { get; set; } = AzuriteRuntime.Auto;

    /// <summary>
    /// A directory for Azurite's data, relative to the AppHost directory; <c>null</c> keeps data in memory
    /// (gone when the app stops).
    /// </summary>
    public string? DataDirectory { get; set; }
}

/// <summary>Where Azurite runs.</summary>
public enum AzuriteRuntime
{
    /// <summary>The container when a container runtime answers, else the npm package.</summary>
    Auto,

    /// <summary>The pinned container image.</summary>
    Container,

    /// <summary>The npm package pinned in <c>AppHost/package.json</c>, run by Node.js.</summary>
    Executable,
}
