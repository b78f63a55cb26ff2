namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An Azure Storage account. Run mode with <c>RunAsEmulator</c>: Azurite. Publish mode: a real account,
/// reached by service URI and managed identity (shared keys are disabled in the deployment).
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="accountName">The account name in publish mode (a deployment output).</param>
public sealed class AzureStorageResource(string name, ParameterResource accountName) : Resource(name)
{
    /// <summary>The account name parameter, filled from the deployment's outputs in publish mode.</summary>
    public ParameterResource AccountName { get; } = accountName;

    /// <summary>The emulator, once <c>RunAsEmulator</c> chose one; <c>null</c> otherwise.</summary>
    public IAzuriteResource? Emulator { get; internal set; }

    /// <summary>Whether the account is Azurite.</summary>
    public bool IsEmulator => Emulator is not null;

    /// <summary>The table service as a connection string: Azurite's, or the account's service URI.</summary>
    internal ReferenceExpression TableConnectionString => Emulator is { } emulator
        ? ReferenceExpression.Create(
            $"DefaultEndpointsProtocol=http;AccountName={StorageEmulatorContainerImageTags.DevelopmentAccountName};AccountKey={StorageEmulatorContainerImageTags.DevelopmentAccountKey};TableEndpoint={emulator.TableEndpoint.Property(EndpointProperty.Url)}/{StorageEmulatorContainerImageTags.DevelopmentAccountName};")
        : ReferenceExpression.Create($"https://{AccountName}.table.core.windows.net/");
}
