using Hooks.Tools;

namespace Hooks.Postprovision;

/// <summary>
/// Cluster credentials before any kubectl, and the right to use them. The cluster takes Entra ID tokens only (local
/// accounts are disabled): kubelogin gets them from azd (<c>-l azd</c>), as azd itself does for <c>azd deploy</c>
/// (azure-dev, <c>pkg/project/service_target_aks.go</c>, login "azd"). From az it could not, in CI: az is signed in
/// there with a GitHub token it cannot renew, and a token for a resource az has not asked for yet (the AKS server
/// application) is refused once that assertion expired, five minutes after sign-in (AADSTS700024; azure-cli issue
/// 28708, Azure/login issues 180 and 372). azd asks GitHub for a new token each time (azure-dev,
/// <c>pkg/auth/manager.go</c>, <c>newCredentialFromFederatedTokenProvider</c>).
/// The template makes azd's principal Azure Kubernetes Service RBAC Cluster Admin, but a new role assignment takes up
/// to five minutes to take effect (learn.microsoft.com azure/aks/manage-azure-rbac): until <c>kubectl auth can-i</c>
/// says yes, nothing is applied.
/// </summary>
internal static class ClusterAccess
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(15);
    private const int Polls = 40;

    public static void Get(HookContext context)
    {
        context.Step("Cluster credentials (Entra ID through kubelogin and azd's sign-in)...");
        context.Az.Run("aks", "get-credentials", "--resource-group", context.Environment.Require("AZURE_RESOURCE_GROUP", "A Bicep output: run `azd provision`."),
            "--name", context.Environment.Require("AZURE_AKS_CLUSTER_NAME", "A Bicep output: run `azd provision`."), "--overwrite-existing").OrThrow();
        CommandLine.Run("kubelogin", ["convert-kubeconfig", "-l", "azd"]).OrThrow();
        WaitForClusterAdmin(context);
    }

    /// <summary>
    /// Polls <c>kubectl auth can-i create namespaces</c> (a cluster-wide right only Cluster Admin gives among AKS's
    /// roles; kubectl prints yes and exits 0, or no and exits 1: kubernetes, <c>kubectl/pkg/cmd/auth/cani.go</c>).
    /// </summary>
    public static void WaitForClusterAdmin(HookContext context)
    {
        for (var poll = 1; ; poll++)
        {
            var answer = context.Kubectl("auth", "can-i", "create", "namespaces");
            if (answer.Succeeded && answer.Output.Trim() == "yes")
            {
                return;
            }

            // "no" (exit 1) is the answer we wait out; anything else (no connection, no token) is an error to show.
            if (!answer.Output.TrimStart().StartsWith("no", StringComparison.Ordinal))
            {
                answer.OrThrow();
            }

            if (poll == Polls)
            {
                throw new HookFailedException(
                    $"azd's signed-in principal may still not create namespaces in the cluster after {Polls * PollInterval.TotalMinutes:0} minutes. The template makes AZURE_PRINCIPAL_ID ({context.Environment["AZURE_PRINCIPAL_ID"] ?? "not set"}) Azure Kubernetes Service RBAC Cluster Admin: check that azd is signed in as that principal (`azd auth login`), and that the role assignment exists on the cluster (`az role assignment list --scope <cluster id>`).");
            }

            if (poll == 1)
            {
                context.Step("  The cluster does not let azd's principal in yet: a new AKS RBAC role takes up to five minutes to take effect. Waiting...");
            }

            Clock.Pause(PollInterval);
        }
    }
}
