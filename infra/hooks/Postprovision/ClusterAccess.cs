namespace Hooks.Postprovision;

/// <summary>Cluster credentials before any kubectl: Entra ID through kubelogin (the cluster has no local accounts).</summary>
internal static class ClusterAccess
{
    public static void Get(HookContext context)
    {
        context.Step("Cluster credentials (Entra ID through kubelogin)...");
        context.Az.Run("aks", "get-credentials", "--resource-group", context.Environment.Require("AZURE_RESOURCE_GROUP", "A Bicep output: run `azd provision`."),
            "--name", context.Environment.Require("AZURE_AKS_CLUSTER_NAME", "A Bicep output: run `azd provision`."), "--overwrite-existing").OrThrow();
        Tools.CommandLine.Run("kubelogin", ["convert-kubeconfig", "-l", "azurecli"]).OrThrow();
    }
}
