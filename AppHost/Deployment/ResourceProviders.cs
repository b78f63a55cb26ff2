namespace AppHost.Deployment;

/// <summary>
/// The resource providers a subscription must have registered before the deployment can succeed: those of every
/// resource type main.bicep deploys (a test compares this list with the compiled template), and those AKS and its
/// add-ons use on the subscription's behalf (the node resource group's VMs, disks, load balancer and public IP; Container
/// Insights' solution; managed Prometheus's rule groups). New subscriptions have few registered; the preprovision hook
/// checks them all and names the command for each one missing.
/// </summary>
internal static class ResourceProviders
{
    public static IReadOnlyList<string> Required { get; } =
    [
        "Microsoft.AlertsManagement",
        "Microsoft.Compute",
        "Microsoft.ContainerRegistry",
        "Microsoft.ContainerService",
        "Microsoft.DocumentDB",
        "Microsoft.Insights",
        "Microsoft.KeyVault",
        "Microsoft.ManagedIdentity",
        "Microsoft.Monitor",
        "Microsoft.Network",
        "Microsoft.OperationalInsights",
        "Microsoft.OperationsManagement",
        "Microsoft.Security",
        "Microsoft.Storage",
    ];
}
