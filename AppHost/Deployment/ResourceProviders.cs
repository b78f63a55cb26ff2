namespace AppHost.Deployment;

/// <summary>
/// The resource providers a subscription must have registered before the deployment can succeed: those of every
/// resource type main.bicep deploys, each under the condition that deploys it (a test compares this list with the
/// compiled template), and those AKS uses on the subscription's behalf for the node resource group (VMs, disks, load
/// balancer and public IP). Container Insights sends its data through a data collection rule with the cluster's
/// managed identity, so no Log Analytics solution (Microsoft.OperationsManagement) is created: the Azure CLI takes
/// the same route for managed-identity clusters (azure-cli, <c>command_modules/acs/addonconfiguration.py</c>,
/// <c>ensure_container_insights_for_monitoring</c>: "Either adds the ContainerInsights solution ... OR sets up a
/// DCR"). New subscriptions have few registered; the preprovision hook checks them all and names the command for each.
/// </summary>
internal static class ResourceProviders
{
    public static IReadOnlyList<ResourceProvider> Required { get; } =
    [
        new("Microsoft.AlertsManagement"),
        new("Microsoft.Compute"),
        new("Microsoft.ContainerRegistry"),
        new("Microsoft.ContainerService"),
        new("Microsoft.DocumentDB", AzdEnvironment.UseCosmosTable),
        new("Microsoft.Insights"),
        new("Microsoft.KeyVault"),
        new("Microsoft.ManagedIdentity"),
        new("Microsoft.Monitor"),
        new("Microsoft.Network"),
        new("Microsoft.OperationalInsights"),
        new("Microsoft.Security", AzdEnvironment.DefenderForContainers),
        new("Microsoft.Storage"),
    ];

    /// <summary>The providers AKS needs for the node resource group, which no resource of the template names.</summary>
    public static IReadOnlyList<string> ForTheNodeResourceGroup { get; } = ["Microsoft.Compute", "Microsoft.Network"];
}
