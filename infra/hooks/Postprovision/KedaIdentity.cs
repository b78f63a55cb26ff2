namespace Hooks.Postprovision;

/// <summary>
/// The AKS KEDA add-on's operator authenticates to Azure (the Prometheus query API) only as a workload identity: its
/// service account names the identity and the operator restarts to get the token (AKS doc keda-workload-identity).
/// </summary>
internal static class KedaIdentity
{
    public static void Activate(HookContext context)
    {
        if (context.Plan.Hooks.KedaIdentityClientIdVariable is not { } variable)
        {
            return;
        }

        context.Step("KEDA's workload identity...");
        var clientId = context.Environment.Require(variable, "A Bicep output: run `azd provision`.");
        context.Kubectl("annotate", "serviceaccount", "keda-operator", "--namespace", "kube-system", $"azure.workload.identity/client-id={clientId}", "--overwrite").OrThrow();
        context.Kubectl("rollout", "restart", "deployment", "keda-operator", "--namespace", "kube-system").OrThrow();
        context.Kubectl("rollout", "status", "deployment", "keda-operator", "--namespace", "kube-system", "--timeout=300s").OrThrow();
    }
}
