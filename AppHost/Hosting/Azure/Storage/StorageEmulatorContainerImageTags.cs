namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The Azurite container, pinned to the same release as the npm package in <c>AppHost/package.json</c>,
/// so the container and the executable emulators behave alike.
/// </summary>
internal static class StorageEmulatorContainerImageTags
{
    public const string Registry = "mcr.microsoft.com";
    public const string Image = "azure-storage/azurite";
    public const string Tag = "3.37.0";

    public const int TablePort = 10002;

    /// <summary>Azurite's well-known development account: public, documented, and useless outside the emulator.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
}
