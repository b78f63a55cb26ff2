using System.Collections.Immutable;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// An item of an Azure resource that exists only when deployed (a Key Vault secret or key, a blob container): shown
/// under its parent on the dashboard as active, left out of the manifest (the deployment creates it from the plan).
/// </summary>
internal static class DeployedItemResources
{
    public static IResourceBuilder<T> AddDeployedItem<T>(this IDistributedApplicationBuilder builder, T item, IResourceBuilder<IResource> parent, string icon, string resourceType, ImmutableArray<ResourcePropertySnapshot> properties)
        where T : IResource =>
        builder.AddResource(item)
            .WithParentRelationship(parent)
            .WithIconName(icon)
            .ExcludeFromManifest()
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = resourceType,
                State = KnownResourceStates.Active,
                Properties = properties,
            });
}
