namespace Hooks.Postprovision;

/// <summary>
/// After <c>azd provision</c>: cluster access, the web's sign-in credential, the TLS certificate and who may read it,
/// the images the cluster pulls, the cluster-wide manifests, and KEDA's identity. Then <c>azd deploy</c> applies the
/// services' own folders (infra/k8s/&lt;service&gt;). Idempotent.
/// </summary>
internal static class Postprovision
{
    public static IReadOnlyList<Action<HookContext>> Steps { get; } =
    [
        Subscription.Select,
        ClusterAccess.Get,
        WebFederatedCredential.Ensure,
        TlsCertificate.Ensure,
        RegistryImages.Ensure,
        ClusterManifests.Apply,
        KedaIdentity.Activate,
    ];
}
