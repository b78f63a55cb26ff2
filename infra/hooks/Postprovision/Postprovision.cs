namespace Hooks.Postprovision;

/// <summary>
/// After <c>azd provision</c>: cluster access, the web's sign-in credential, the TLS certificate and who may read it,
/// the images the cluster pulls, the cluster-wide manifests, and KEDA's identity. Then <c>azd deploy</c> applies the
/// services' own folders (infra/k8s/&lt;service&gt;). Idempotent.
/// </summary>
internal static class Postprovision
{
    public static IReadOnlyList<HookStep> Steps { get; } =
    [
        new("the Azure CLI's subscription", Subscription.Select),
        new("cluster access", ClusterAccess.Get),
        new("the web's federated credential", WebFederatedCredential.Ensure),
        new("the TLS certificate", TlsCertificate.Ensure),
        new("the registry's images", RegistryImages.Ensure),
        new("the cluster manifests", ClusterManifests.Apply),
        new("KEDA's identity", KedaIdentity.Activate),
    ];
}
